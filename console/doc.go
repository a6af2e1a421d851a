// Package console is leadrelay's web console at /admin/: pages rendered by
// the server from html/template and go:embed, our own small CSS and JS, no
// third-party front-end code, readable without JavaScript.
//
// People sign in with their name and password (leadrelay user add). The
// session cookie is HttpOnly, SameSite=Strict, Secure over TLS, and ends
// after 12 hours idle; it is kept in the database as a hash. Every form that
// changes something carries the session's CSRF token. Every answer carries a
// Content-Security-Policy that allows no inline script, and
// X-Frame-Options: DENY. Ten failed sign-ins a minute for one name or from
// one address, and the next answer is 429, from every process on the
// database (the failures are counted there); an unknown name and a wrong
// password get the same answer.
//
// The integration editor shows each mode as a section of controls (url,
// method, format, timeout, headers and fields as rows, its scripts) and
// merges it into the document it saves through the API; what no control
// shows stays in the document's JSON, and a template whose rows are
// unchanged keeps its text as written. The catalog's objects are forms of
// their fields.
//
// The console does what a person does through the admin API by calling the
// API's handler in the process, with the signed-in person in the request's
// context: the API's checks, its roles (user.Role.May) and its log rows with
// "by" are the console's, with no second copy of any rule. Only what the API
// does not serve comes from storage: the dashboard's counts and last sweep,
// the people and the failed sign-ins.
//
// Text is escaped by html/template everywhere: lead data is hostile input.
package console
