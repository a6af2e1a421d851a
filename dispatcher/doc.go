// Package dispatcher sends leads to their integrations, the way the platform
// of seeds/001 does it, and keeps its promise that no lead is lost or sent
// twice.
//
// Every minute a Scheduler (robfig/cron's schedules in UTC and its Recover; a
// run that overruns its minute makes the next one skip) runs a Sweep of four
// modes: new (leads in status new), changes (order data changed after the
// lead went out), approved (leads that reached an integration's from_status)
// and postback (status notifications, for integrations and for campaigns'
// postback_url). The fifth mode, sync, runs when a lead arrives with sync
// asked for (Intake).
//
// A sweep claims due rows per integration in short transactions (storage's
// ClaimNewLeads and ClaimDeliveries: FOR UPDATE SKIP LOCKED on MySQL), marking
// them with a token and a lease; the next batch is claimed while the current
// one starts, so sends do not wait for claims. Requests go out outside any
// transaction, at most the integration's concurrency at once and
// LEADRELAY_WORKERS per process. Each attempt (try) builds the request from
// the templates, runs the preprocessing script, sends, runs the processing
// script and reads its return value with Classify, which holds the
// return-value rules of SPEC §3 for each mode (classify.go; NoScriptReturn
// for a mode without a post script); the mode's rules turn that verdict
// into the lead's new state. An attempt's outcome is a typed value of
// storage's (storage.LeadOutcome with LeadProcessing, LeadCancelled,
// LeadRetry and the like; storage.DeliveryOutcome with DeliverySent,
// DeliveryRetry, DeliveryClosed): the dispatcher says what happened and
// storage owns the columns and the SQL. Outcomes go to a writer that stores
// them in batches (a couple at once, group-commit style), each row guarded
// by its claim token, with one log row per attempt; a worker takes
// its next lead only once its outcome is stored. A process that dies mid-send
// leaves claims whose lease runs out: the rows fall due again and another
// process sends them, so at worst the leads in flight at the moment of death
// (at most LEADRELAY_WORKERS) go out twice.
//
// When the database goes away the writer keeps the outcomes it cannot store
// and tries them again with backoff (each try bounded by WriteTimeout) until
// the database answers, for up to OutageLimit; then the batch is given up on
// and logged, and its claims run out. The workers wait on them
// meanwhile, so no new send starts and sweeps fail at their first claim; an
// outage shorter than the claims' lease sends nothing twice.
//
// Before a lead is sent: due → routed → open (hours, caps, pause) → claimed
// → slot taken → sent. A new lead goes to the first open integration by
// priority; while its integration is closed its leads wait, and the sweep
// moves those no request was made for to the next open one. Cap slots are
// taken in the database in one batch with each claim, never more than the
// leads it got (the rest go back at once), and each send that does not take
// its lead gives its slot back.
//
// A claim's lease covers the sends its batch will make (claimRounds rounds
// of a request and its two scripts, and a margin), but not the time a task
// waits for a worker: slow sends of other integrations may hold every worker
// of the process for longer than a short lease. A row whose lease ran out is
// due, and another claim (a later sweep, another process) takes and sends
// it. So a task checks its claim when it gets its worker, before it sends:
// if the lease no longer covers a whole send (its request timeout, its two
// scripts, the margin), it extends the lease with an UPDATE guarded by its
// token (storage's ExtendClaim), and when the row carries another claim's
// token it is dropped unsent, since that claim sends it. A send therefore
// always starts under a claim that outlasts it. Claiming less (only what can
// start at once) would cost a claim transaction per round of sends.
//
// The script time limit that sizes leases is the engine's own
// (scripting.Engine.Timeout), so leases and runs cannot disagree.
//
// A sending error leaves the row due a minute after the cut-off of the sweep
// that tried it, so the next minute's sweep takes it (a scheduled sweep's
// cut-off is the minute it was due at), and counts an attempt; after the
// integration's max_attempts the row is marked failed and waits for Requeue.
// A 429 with Retry-After pauses that integration's mode from the answer on,
// and so do pause_after failed attempts in a row (counted in the database,
// so across processes): a paused mode sends one due lead every 5 minutes,
// and a success resumes it; each pause and resume is logged and alerted
// (Config.AlertURL). DryRun runs the same attempt without writing anything.
//
// Intake refuses an offer's duplicates: a lead whose phone, email or ip
// another lead of the offer holds is stored cancelled and never sent.
//
// Stop (called by serve and the sweep command on SIGTERM) ends every sweep's
// claiming, scheduled or asked for through the API: rows claimed and not
// started are handed back, due at once, and sends in flight run to their end
// within their own time limits and have their outcomes written before the
// process exits.
//
// A new or sync send that failed after its request was written
// (integrations.ErrUncertain) may have reached the target: the lead is
// marked uncertain and the integration's on_uncertain decides: a plain
// retry, the check mode before any second send (check_due), or a hold
// (failed) until Requeue, which clears the marks. A marked lead that the
// target later answers with reason 7 is held, not cancelled.
package dispatcher
