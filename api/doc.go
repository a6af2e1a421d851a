// Package api is leadrelay's HTTP layer on gin: the public endpoints landing
// pages, publishers, CRMs and advertisers call, the admin API behind a bearer
// token, and /healthz, /readyz and /metrics. It binds and checks input, turns
// it into calls on storage and the dispatcher, and shapes the JSON of SPEC §6.
//
// # People
//
// The admin API takes LEADRELAY_ADMIN_TOKEN (an admin, logged as
// "admin-token") or a user's API token (leadrelay user token NAME). What a
// person may do is user.Role.May, by the route: support reads (campaign keys
// and secrets as ***), edits leads, re-queues, sweeps, resumes and runs dry
// runs with a given response; anything else answers 403 FORBIDDEN with a
// sentence saying who may not do what. Every change a person makes is a log
// row carrying "by": an integration or catalog object saved or deleted (mode
// "config"), a lead's status or order data, a re-queue. The console calls
// the same handler in the process, with its signed-in person in the
// request's context.
//
// # Reading requests
//
// Every endpoint reads its values from the query string overlaid by the body:
// a JSON object, a urlencoded form or a multipart form (whose files become
// the lead's files). A JSON body sent as text/plain, as browsers do to avoid
// a CORS preflight, is recognised. Bodies over 1 MiB are refused with 413
// before anything is stored.
//
// A new lead takes the fields of SPEC §1 by name ("index" is taken for zip
// and "phc" for phonecc); items are {"<product id>": [qty, price, cost]},
// from JSON or as that JSON in a form value; every other key becomes a custom
// field in meta (an object or array as its JSON text), and a "meta" object
// merges into meta. The phone keeps its digits only; the country must be an
// ISO 3166-1 alpha-2 code and is kept in lower case. The campaign of the
// alias sets the offer, affiliate, landing and integration, over what the
// request says. A request with the admin token needs no alias, needs no
// campaign key, and may name the integration ("integration" from anyone else
// is a custom field).
//
// Control characters: in a single-line field each run of CR, LF and tab
// becomes one space and NUL and the other control characters are dropped; a
// multi-line field (comment, custom fields) keeps its line breaks as LF and
// drops the rest. A stray newline from a textarea should not lose an order,
// and none reaches a CRM's headers or a CSV. Text that is not UTF-8 is
// refused (422) rather than garbled, and so is any value longer than its
// column (a varchar's length in characters, 64 KiB for text and for the JSON
// of meta and items), so the database never refuses half a lead.
//
// # Answers
//
// Errors are {"status":"error","code":…,"error":…}, with "field", "script"
// and "line" when the trouble has them, and "errors" listing each problem
// when there are several. Codes: NO_ID (400, no alias or no lead named),
// BAD_JSON and BAD_FORM (400), UNAUTHORIZED (401), FORBIDDEN (403, a wrong
// campaign key, or what the person's role may not do), NOT_FOUND (404),
// CONFLICT (409, an id or alias taken), TOO_LARGE (413),
// UNSUPPORTED_MEDIA_TYPE (415), VALIDATION, UNKNOWN_ALIAS, SCRIPT_ERROR and
// NO_INTEGRATION (422), ADMIN_DISABLED (503, neither LEADRELAY_ADMIN_TOKEN
// nor any user), UNAVAILABLE (503 with Retry-After: the database does not
// answer or refuses writes for now, or a sweep was asked of a process that
// is stopping; nothing was stored), INTERNAL (500,
// details in the server log only). /readyz answers 503 as long as the
// database does not answer.
// Requests refused for want of an alias or a lead are also written to the log
// with the outcome NO_ID, the campaign key and lead token reading ***.
//
// A lead token that is forged, belongs to another lead, or names a lead that
// does not exist gets the same 404, so the answer tells nothing of which.
//
// # Status updates
//
// POST /api/v1/status and the webhooks map the CRM's value through the
// status_map of the lead's integration first (exactly, then ignoring case);
// a value not in the map is taken as a status id only if it is digits alone;
// anything else is refused with 422. An advertiser's alias (with its key,
// when the campaign has one) names whose leads it may change: those of the
// campaign's integration, or, for a campaign without one, those that came in
// with its alias. An optional "reason" (code or name) goes with a cancel;
// without one the lead keeps its reason while it keeps its status.
//
// The thank-you page's changes (POST /api/v1/leads/{id}/changes) may set the
// order data only: name, last, email, phone, phonecc, the address, delivery,
// discount, count, currency, the prices, items and comment; any other key is
// a custom field. An admin's PATCH may set any §1 field, and refuses keys
// that are not one.
//
// # Caching
//
// The intake keeps campaigns by alias for 5 seconds. The admin API's own
// writes clear the cache at once; a change made by another process is seen
// within 5 seconds, as the dispatcher's catalog cache sees it.
package api
