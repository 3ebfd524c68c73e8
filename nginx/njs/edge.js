// Header checks nginx's own parser does not make, so that nginx refuses what a replica would
// (as JSON, through json-errors.conf) and both replica sets see the same limits: Node's parser
// and Gunicorn's refuse a control character in a header value, and Gunicorn more than 100
// header fields (nginx adds 7 of its own). nginx itself bounds each line and the total size
// (large_client_header_buffers).

// C0 controls but tab, and DEL: RFC 9110 5.5 (obs-text above 0x7f stays allowed).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
var CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/

/** '' for a request nginx may pass on; else why not: 'fields' (too many) or 'control'. */
function refusal(r) {
  // nginx's own error pages (json-errors.conf) are internal redirects that pass this server's
  // checks again: a request nginx already refused (a 494, say) must reach its JSON answer.
  if (r.uri.indexOf('/_error/') === 0) return ''
  var headers = r.rawHeadersIn
  var i
  if (headers.length > Number(r.variables.lab_max_header_fields)) return 'fields'
  for (i = 0; i < headers.length; i++) {
    if (CONTROL.test(headers[i][1])) return 'control'
  }
  return ''
}

export default { refusal }
