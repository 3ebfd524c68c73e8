# Debian's own slim image: the stand-ins' base (a debootstrap of this machine's mirror) is the
# same release, minimal already.
FROM lb-lab-standin/base:bookworm
LABEL org.lb-lab.standin=base-files
CMD ["bash"]
