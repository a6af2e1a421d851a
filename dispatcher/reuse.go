package dispatcher

import (
	"sync"
	"time"
)

// idleWorkerFor is how long a sender goroutine waits for its next task
// before it ends.
const idleWorkerFor = 10 * time.Second

// senders runs tasks on goroutines that, once a task is done, wait a while
// for the next one. A send's goroutine grows its stack to tens of KB on the
// way through templates, scripts, the HTTP client and the outcome; a new
// goroutine for every send paid that growth, stack copies included, each
// time (a twentieth of a sweep's CPU in the throughput run's profile).
type senders struct {
	next chan func() // unbuffered: a send succeeds only to an idle goroutine
	idle time.Duration
	// quit is closed by stop: idle goroutines end at once.
	quit     chan struct{}
	stopOnce sync.Once
}

func newSenders(idle time.Duration) *senders {
	return &senders{next: make(chan func()), idle: idle, quit: make(chan struct{})}
}

// stop ends the idle goroutines, and each busy one once its task is done.
func (s *senders) stop() { s.stopOnce.Do(func() { close(s.quit) }) }

// Go runs f on an idle goroutine, or on a new one when none is idle, and
// counts it in wg.
func (s *senders) Go(wg *sync.WaitGroup, f func()) {
	wg.Add(1)
	task := func() {
		defer wg.Done()
		f()
	}
	select {
	case s.next <- task:
	default:
		go s.loop(task)
	}
}

// loop runs task, then the tasks handed to it, until none comes for s.idle
// or stop is called.
func (s *senders) loop(task func()) {
	idle := time.NewTimer(s.idle)
	defer idle.Stop()
	for {
		task()
		idle.Reset(s.idle)
		select {
		case task = <-s.next:
		case <-idle.C:
			return
		case <-s.quit:
			return
		}
	}
}
