# nginx of the image's version with njs, as the official image has it: Debian unstable's
# packages, the ones native mode unpacks (nginx/fetch.sh).
FROM lb-lab-standin/base:bookworm
ARG VERSION
LABEL org.lb-lab.standin=nginx
RUN sed 's/ bookworm / sid /' /etc/apt/sources.list > /etc/apt/sources.list.d/sid.list \
 && printf 'Acquire::Check-Valid-Until "false";\n' > /etc/apt/apt.conf.d/90sid \
 && apt-install -t sid "nginx=$VERSION-*" libnginx-mod-http-js wget curl ca-certificates \
 && rm /etc/apt/sources.list.d/sid.list \
 && mkdir -p /var/cache/nginx /var/log/nginx \
 && chown nobody /var/cache/nginx \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && nginx -v
STOPSIGNAL SIGQUIT
EXPOSE 80
CMD ["nginx", "-g", "daemon off;"]
