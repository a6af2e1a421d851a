package dispatcher

// Tick is one scheduled run, for tests that play the scheduler.
var Tick = (*Dispatcher).tick
