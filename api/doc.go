// Package api is leadrelay's HTTP layer on gin: the public endpoints landing
// pages, publishers, CRMs and advertisers call, the admin API behind a bearer
// token, and /healthz, /readyz and /metrics. It binds and checks input, turns
// it into calls on storage and the dispatcher, and shapes the JSON of SPEC §6.
package api
