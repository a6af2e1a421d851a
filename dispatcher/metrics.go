package dispatcher

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the dispatcher's Prometheus series.
type metrics struct {
	deliveries *prometheus.CounterVec
	failures   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	sweeps     *prometheus.HistogramVec
	intake     prometheus.Counter
	statuses   prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, more ...prometheus.Collector) (*metrics, error) {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadrelay_deliveries_total", Help: "Delivery attempts by integration, mode and outcome.",
		}, []string{"integration", "mode", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadrelay_leads_failed_total", Help: "Leads and deliveries that failed after their attempts, by integration and mode.",
		}, []string{"integration", "mode"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "leadrelay_delivery_seconds", Help: "Time of one delivery attempt: scripts and request.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
		}, []string{"mode"}),
		sweeps: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "leadrelay_sweep_seconds", Help: "Duration of a sweep, by mode (all: every mode).",
			Buckets: prometheus.ExponentialBuckets(0.01, 3, 10),
		}, []string{"mode"}),
		intake:   prometheus.NewCounter(prometheus.CounterOpts{Name: "leadrelay_leads_received_total", Help: "Leads received."}),
		statuses: prometheus.NewCounter(prometheus.CounterOpts{Name: "leadrelay_status_changes_total", Help: "Status changes from the API, webhooks and admins."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range append([]prometheus.Collector{m.deliveries, m.failures, m.latency, m.sweeps, m.intake, m.statuses}, more...) {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) delivered(t *task, a *attempt) {
	m.deliveries.WithLabelValues(integrationLabel(t), string(t.mode), string(a.outcome)).Inc()
	m.latency.WithLabelValues(string(t.mode)).Observe(a.duration.Seconds())
}

func (m *metrics) failed(t *task) {
	m.failures.WithLabelValues(integrationLabel(t), string(t.mode)).Inc()
}

// integrationLabel is a task's integration id, or "campaign" for a
// campaign's postback.
func integrationLabel(t *task) string {
	if t.integ == nil {
		return "campaign"
	}
	return strconv.FormatInt(t.integ.Doc.ID, 10)
}

func (m *metrics) sweepDone(mode string, d time.Duration) {
	if mode == "" {
		mode = "all"
	}
	m.sweeps.WithLabelValues(mode).Observe(d.Seconds())
}

func (m *metrics) received()      { m.intake.Inc() }
func (m *metrics) statusChanged() { m.statuses.Inc() }
