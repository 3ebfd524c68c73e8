FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=redis-server
RUN apt-install redis-server redis-tools && mkdir -p /data
WORKDIR /data
EXPOSE 6379
CMD ["redis-server"]
