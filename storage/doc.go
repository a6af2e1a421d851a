// Package storage keeps leads, the catalog, integrations, delivery state and the
// log in a SQL database through gorm, on two backends behind one API:
//
//   - SQLite (DSN "sqlite:PATH"), the embedded default: one process, WAL
//     journal, a busy timeout and immediate transactions, through a pure-Go
//     driver so no cgo is needed. The file is held in exclusive locking mode
//     by a single connection, so the WAL index lives in memory rather than in
//     a shared map of the -shm file, where a file made read-only under the
//     process (chattr +i) raised SIGBUS; writes then fail with an error
//     Unavailable knows. A second process on the file is refused, saying
//     so. The file's identity is checked by Ping and before every write: a
//     file deleted or replaced under the process fails them with
//     ErrUnavailable instead of taking writes a restart would lose;
//   - MySQL 8 / MariaDB 10.6+ (DSN "mysql://user:pass@host:3306/db"): any
//     number of processes share the work, claiming rows with
//     SELECT … FOR UPDATE SKIP LOCKED.
//
// Queue times (next_at) are Unix milliseconds: exact, cheap to index and the
// same on both backends. A claim is a token written on the row together with a
// lease (next_at moved past the send's time limit); every write of an outcome is
// guarded by that token, and a lease that runs out makes the row due again, so a
// process that dies mid-send loses nothing.
//
// Outcomes are typed, as river's JobSetStateCompleted and
// JobSetStateErrorRetryable are: a LeadOutcome says where an attempt moved a
// lead (LeadProcessing, LeadSkipped, LeadCancelled, LeadDeleted, LeadRetry),
// what lead.edit set, its attempts and message and the uncertain marks; a
// DeliveryOutcome says DeliverySent, DeliveryRetry or DeliveryClosed. Storage
// alone turns them into columns: WriteOutcomes writes a batch of them with one
// UPDATE for the leads and one for the deliveries, a column every row sets
// to one value set plainly and the others by a CASE on the id, and
// DeliverySent keeps a delivery pending when a change raised its version
// while it was in flight.
//
// People (users) are kept with a bcrypt hash of their password; their API
// tokens and console sessions only as SHA-256 hashes, so the database never
// holds a token that works. The roles and what each may do are
// storage/user's.
//
// New leads commit in groups (CreateLeadWith), and so do status changes
// (ChangeStatus, which status updates and webhooks come to): while a
// transaction commits, the calls that arrive gather for the next, so a
// burst pays for a commit per group rather than per call. There is no
// timer: a lone call commits at once. One group commits at a time on
// SQLite, two on MySQL (groups.go). An item the database refuses fails
// alone; a transaction MySQL ends as a deadlock runs again; when the
// database is unavailable every item of the group gets the error.
// A lead with a duplicate check (CreateLeadChecked) takes its values in
// duplicate_keys, keyed by offer, kind and value, in its own transaction:
// one upsert per value, so of leads that repeat each other, in one group or
// in many processes, exactly one takes it and the rest are duplicates.
//
// The pauses table holds each mode's 429 pause, and its count of failed
// attempts in a row with the pause they bring (AttemptFailed,
// AttemptSucceeded, TakeProbe, Resume), each changed by guarded statements
// so that of processes at once exactly one pauses, probes or resumes.
//
// The console's state that every process must share is kept here too:
// sweep_runs holds each mode's last finished sweep (RecordSweep, LastSweep)
// and signin_failures the failed sign-ins of the last minute, by the
// SHA-256 of their name or address (AddSigninFailures, MostSigninFailures).
//
// Migrations are numbered, applied once each and recorded in schema_migrations;
// on MySQL they run under an advisory lock so processes starting together do
// not race. On MySQL every table is created utf8mb4 whatever the database's
// default charset, and migration 2 converts the tables an earlier install
// created in another one (a latin1 database refused a Cyrillic name).
package storage
