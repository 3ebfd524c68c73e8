#!/bin/sh
# Prints the path of nginx $1 from Debian's own packages (unstable: the only suite with a current
# nginx; bookworm has 1.22), unpacked once into the lab's cache (LAB_CACHE_DIR) with njs and every
# library they load, from the machine's apt mirror: native mode runs the same build the Docker
# stand-in installs. The binary is pointed at its own loader and libraries (patchelf), so it runs
# beside this machine's older glibc and touches nothing outside its folder. Seconds, once.
set -eu
version=${1:?usage: fetch.sh VERSION}
cache=${LAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lb-lab}
dir=$cache/nginx-$version
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x "$dir/nginx" ]; then
  # The loader's and the libraries' paths below are amd64's.
  if [ "$(dpkg --print-architecture)" != amd64 ]; then
    echo "nginx: fetch.sh unpacks Debian's amd64 packages; this machine is $(dpkg --print-architecture)" >&2
    exit 2
  fi
  if ! command -v patchelf >/dev/null; then
    if [ "$(id -u)" != 0 ]; then
      echo "nginx: running Debian unstable's build here needs patchelf: sudo apt-get install patchelf" >&2
      exit 2
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends patchelf >&2
  fi
  mirror=${DEBIAN_MIRROR:-$("$here/../tools/docker/debian-mirror.sh")}
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  echo "nginx: fetching $version from Debian unstable's packages (once)" >&2
  curl -fsS -o "$tmp/Packages.xz" "$mirror/dists/sid/main/binary-amd64/Packages.xz"
  # nginx of that upstream version (any Debian revision), njs, its config files, and every
  # library they need, down to the C library: names from the index, not a list kept by hand.
  python3 - "$tmp/Packages.xz" "$version" >"$tmp/files" <<'EOF'
import lzma, re, sys
packages, entry = {}, {}
for line in lzma.open(sys.argv[1], 'rt'):
    if line.strip() == '':
        if entry: packages.setdefault(entry['Package'], entry)
        entry = {}
    elif line[0] not in ' \t':
        key, _, value = line.rstrip('\n').partition(': ')
        entry[key] = value
nginx = packages.get('nginx', {}).get('Version', '')
if not nginx.startswith(sys.argv[2] + '-'):
    sys.exit(f'nginx: Debian unstable has nginx {nginx or "none"}, not {sys.argv[2]}: change NGINX_VERSION')
wanted, todo = [], ['nginx', 'nginx-common', 'libnginx-mod-http-js']
while todo:
    name = todo.pop()
    if name in wanted or name not in packages: continue
    wanted.append(name)
    for field in ('Pre-Depends', 'Depends'):
        for dep in packages[name].get(field, '').split(','):
            dep = re.split(r'[ (:]', dep.split('|')[0].strip())[0]
            # Libraries only: not debconf and the like, which only a package manager needs.
            if re.match(r'(lib|zlib)', dep): todo.append(dep)
for name in wanted: print(packages[name]['Filename'])
EOF
  mkdir "$tmp/root"
  while read -r file; do
    curl -fsS -o "$tmp/package.deb" "$mirror/$file"
    dpkg-deb -x "$tmp/package.deb" "$tmp/root"
  done <"$tmp/files"
  libs=$dir/root/usr/lib/x86_64-linux-gnu
  rm -rf "$dir" && mkdir -p "$dir"
  mv "$tmp/root" "$dir/root"
  patchelf --set-interpreter "$dir/root/usr/lib64/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$libs" \
    "$dir/root/usr/sbin/nginx"
  patchelf --force-rpath --set-rpath "$libs" "$dir/root/usr/lib/nginx/modules/ngx_http_js_module.so"
  ln -s root/usr/sbin/nginx "$dir/nginx"
  "$dir/nginx" -v 2>&1 | grep -q "nginx/$version" || { "$dir/nginx" -v >&2; exit 1; }
fi
echo "$dir/nginx"
