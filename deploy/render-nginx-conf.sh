#!/bin/sh
# Renders deploy/nginx.conf.template into OUTPUT_DIR/nginx.conf from the environment, and creates
# OUTPUT_DIR/logs, OUTPUT_DIR/tmp and OUTPUT_DIR/acme (ACME http-01 challenges), so nginx runs with
# OUTPUT_DIR as its prefix (as root or not):
#
#   deploy/render-nginx-conf.sh /var/lib/companero/nginx
#   nginx -p /var/lib/companero/nginx -c /var/lib/companero/nginx/nginx.conf      # add -t to only check it
#
# Plain POSIX sh + envsubst (Debian: gettext-base; the official nginx image has both). Only the variables
# listed at the bottom are substituted, so nginx's own $variables stay as they are. The environment:
#
#   NGINX_AUTH_UPSTREAMS      auth replicas, host:port separated by spaces or commas   127.0.0.1:8001
#   NGINX_HUB_UPSTREAMS       creator hub replicas                                    127.0.0.1:8002
#   NGINX_AI_UPSTREAMS        AI engine replicas                                      127.0.0.1:8003
#   NGINX_CHANNEL_UPSTREAMS   channel replicas                                        127.0.0.1:8004
#   NGINX_LISTEN              plain HTTP listen address                               80
#   NGINX_SERVER_NAME         server_name                                             _
#   NGINX_TLS_CERTIFICATE     certificate (full chain) file: setting it and the key turns TLS on and makes
#   NGINX_TLS_CERTIFICATE_KEY   plain HTTP redirect to HTTPS                          (unset: TLS off)
#   NGINX_TLS_LISTEN          HTTPS listen address                                    443
#   NGINX_DASHBOARD_ROOT      the built dashboard (npm run build -w @companero/dashboard)
#                                                                                     <repo>/apps/dashboard/dist
#   NGINX_WORKER_PROCESSES    worker processes                                        auto
#   NGINX_USER                user the workers run as when nginx starts as root       (none: nginx's default)
#   NGINX_ACCESS_LOG          access log (relative to OUTPUT_DIR, or /dev/stdout)     logs/access.log
#   NGINX_ERROR_LOG           error log                                               logs/error.log
#   NGINX_MIME_TYPES          nginx's mime.types                                      /etc/nginx/mime.types
#   BODY_LIMIT_BYTES, KNOWLEDGE_MAX_UPLOAD_BYTES, MEMBER_IMPORT_MAX_BYTES
#                             the services' own body limits (same names, same defaults as their config), so
#                             one .env keeps nginx and the services in step
set -eu

output_dir=${1:?usage: render-nginx-conf.sh OUTPUT_DIR}
deploy_dir=$(cd "$(dirname "$0")" && pwd)
template=${NGINX_TEMPLATE:-$deploy_dir/nginx.conf.template}

# One `server` line per address of a comma- or space-separated list.
upstream_servers() {
  list=$(printf '%s' "$2" | tr ',' ' ')
  [ -n "$(printf '%s' "$list" | tr -d ' ')" ] || { echo "render-nginx-conf.sh: $1 is empty" >&2; exit 1; }
  for address in $list; do
    printf '        server %s max_fails=1 fail_timeout=5s;\n' "$address"
  done
}

export NGINX_AUTH_SERVERS NGINX_HUB_SERVERS NGINX_AI_SERVERS NGINX_CHANNEL_SERVERS
NGINX_AUTH_SERVERS=$(upstream_servers NGINX_AUTH_UPSTREAMS "${NGINX_AUTH_UPSTREAMS:-127.0.0.1:8001}")
NGINX_HUB_SERVERS=$(upstream_servers NGINX_HUB_UPSTREAMS "${NGINX_HUB_UPSTREAMS:-127.0.0.1:8002}")
NGINX_AI_SERVERS=$(upstream_servers NGINX_AI_UPSTREAMS "${NGINX_AI_UPSTREAMS:-127.0.0.1:8003}")
NGINX_CHANNEL_SERVERS=$(upstream_servers NGINX_CHANNEL_UPSTREAMS "${NGINX_CHANNEL_UPSTREAMS:-127.0.0.1:8004}")

export NGINX_LISTEN="${NGINX_LISTEN:-80}"
export NGINX_SERVER_NAME="${NGINX_SERVER_NAME:-_}"
export NGINX_TLS_LISTEN="${NGINX_TLS_LISTEN:-443}"
export NGINX_TLS_CERTIFICATE="${NGINX_TLS_CERTIFICATE:-}"
export NGINX_TLS_CERTIFICATE_KEY="${NGINX_TLS_CERTIFICATE_KEY:-}"
export NGINX_DASHBOARD_ROOT="${NGINX_DASHBOARD_ROOT:-$(cd "$deploy_dir/.." && pwd)/apps/dashboard/dist}"
export NGINX_WORKER_PROCESSES="${NGINX_WORKER_PROCESSES:-auto}"
export NGINX_ACCESS_LOG="${NGINX_ACCESS_LOG:-logs/access.log}"
export NGINX_ERROR_LOG="${NGINX_ERROR_LOG:-logs/error.log}"
export NGINX_MIME_TYPES="${NGINX_MIME_TYPES:-/etc/nginx/mime.types}"
export NGINX_USER_DIRECTIVE="# user: nginx's default"
[ -z "${NGINX_USER:-}" ] || NGINX_USER_DIRECTIVE="user ${NGINX_USER};"

# The services' defaults (packages/core/src/config/config.schema.ts).
export BODY_LIMIT_BYTES="${BODY_LIMIT_BYTES:-1048576}"
knowledge_bytes=${KNOWLEDGE_MAX_UPLOAD_BYTES:-26214400}
import_bytes=${MEMBER_IMPORT_MAX_BYTES:-10485760}
largest_upload=$knowledge_bytes
[ "$import_bytes" -le "$largest_upload" ] || largest_upload=$import_bytes
# The multipart framing and form fields around the file.
export NGINX_UPLOAD_MAX_BODY_BYTES=$((largest_upload + 1048576))

# TLS on: the `#tls ` lines become directives, the main server listens with TLS, and the redirect keeps a
# non-standard HTTPS port.
tls_filter='s/^\([[:space:]]*\)#tls /\1# (TLS off) /'
export NGINX_TLS_REDIRECT_PORT=""
export NGINX_MAIN_LISTEN="$NGINX_LISTEN"
if [ -n "$NGINX_TLS_CERTIFICATE" ] || [ -n "$NGINX_TLS_CERTIFICATE_KEY" ]; then
  [ -n "$NGINX_TLS_CERTIFICATE" ] && [ -n "$NGINX_TLS_CERTIFICATE_KEY" ] || {
    echo "render-nginx-conf.sh: set both NGINX_TLS_CERTIFICATE and NGINX_TLS_CERTIFICATE_KEY" >&2
    exit 1
  }
  tls_filter='s/^\([[:space:]]*\)#tls /\1/'
  NGINX_MAIN_LISTEN="$NGINX_TLS_LISTEN ssl"
  tls_port=${NGINX_TLS_LISTEN##*:}
  [ "$tls_port" = 443 ] || NGINX_TLS_REDIRECT_PORT=":$tls_port"
fi

mkdir -p "$output_dir/logs" "$output_dir/tmp" "$output_dir/acme"
variables='${NGINX_USER_DIRECTIVE} ${NGINX_WORKER_PROCESSES} ${NGINX_ERROR_LOG} ${NGINX_ACCESS_LOG}
${NGINX_MIME_TYPES} ${BODY_LIMIT_BYTES} ${NGINX_UPLOAD_MAX_BODY_BYTES} ${NGINX_AUTH_SERVERS}
${NGINX_HUB_SERVERS} ${NGINX_AI_SERVERS} ${NGINX_CHANNEL_SERVERS} ${NGINX_LISTEN} ${NGINX_MAIN_LISTEN} ${NGINX_SERVER_NAME}
${NGINX_TLS_LISTEN} ${NGINX_TLS_CERTIFICATE} ${NGINX_TLS_CERTIFICATE_KEY} ${NGINX_TLS_REDIRECT_PORT}
${NGINX_DASHBOARD_ROOT}'
envsubst "$variables" < "$template" | sed "$tls_filter" > "$output_dir/nginx.conf.next"
mv "$output_dir/nginx.conf.next" "$output_dir/nginx.conf"
echo "$output_dir/nginx.conf"
