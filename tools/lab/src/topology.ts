/** Native mode binds every service here (loopback only). */
export const LOCALHOST = '127.0.0.1'

/** The TypeScript replicas behind app_backend: app1, app2, app3 (ports APP<n>_PORT). */
export const APP_COUNT = 3
export const APPS = Array.from({ length: APP_COUNT }, (_, i) => `app${i + 1}`)

/** The Python replicas (Flask under Gunicorn) behind py_backend, under /py/: py1..py3 (PY<n>_PORT). */
export const PYS = Array.from({ length: APP_COUNT }, (_, i) => `py${i + 1}`)
