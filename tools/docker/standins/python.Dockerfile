# Debian's Python 3.11 in a virtualenv on PATH, so `python` and `pip install` work as in the
# official image (Debian's own interpreter refuses pip installs: PEP 668).
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=python3
RUN apt-install python3 python3-venv ca-certificates && python3 -m venv /usr/local/python
ENV PATH=/usr/local/python/bin:$PATH
CMD ["python3"]
