// Package dispatcher sends leads to their integrations, the way the platform
// of seeds/001 does it, and keeps its promise that no lead is lost or sent
// twice.
//
// Every minute a Scheduler (robfig/cron in UTC, with Recover and
// SkipIfStillRunning) runs a Sweep of four modes: new (leads in status new),
// changes (order data changed after the lead went out), approved (leads that
// reached an integration's from_status) and postback (status notifications,
// for integrations and for campaigns' postback_url). The fifth mode, sync,
// runs when a lead arrives with sync asked for (Intake).
//
// A sweep claims due rows per integration in short transactions (storage's
// ClaimNewLeads and ClaimDeliveries: FOR UPDATE SKIP LOCKED on MySQL), marking
// them with a token and a lease; the next batch is claimed while the current
// one starts, so sends do not wait for claims. Requests go out outside any
// transaction, at most the integration's concurrency at once and
// LEADRELAY_WORKERS per process. Each attempt (try) builds the request from
// the templates, runs the preprocessing script, sends, runs the processing
// script and classifies its return value with scripting.Classify; the mode's
// rules turn that into the lead's new state. Outcomes go to a writer that
// stores them in batches (a couple at once), each row guarded by its claim
// token, with one log row per attempt. A process that dies mid-send leaves
// claims whose lease runs out: the rows fall due again and another process
// sends them, so at worst the leads in flight at the moment of death go out
// twice.
//
// A sending error leaves the row due a minute later and counts an attempt;
// after the integration's max_attempts the row is marked failed and waits
// for Requeue. A 429 with Retry-After pauses that integration's mode, and
// so do pause_after failed attempts in a row (counted in the database, so
// across processes): a paused mode sends one due lead every 5 minutes, and
// a success resumes it; each pause and resume is logged and alerted
// (Config.AlertURL). DryRun runs the same attempt without writing anything.
//
// Intake refuses an offer's duplicates: a lead whose phone, email or ip
// another lead of the offer holds is stored cancelled and never sent.
package dispatcher
