package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadrelay/leadrelay/integrations/mode"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/lead"
)

// scrapeTimeout bounds the queries one scrape makes.
const scrapeTimeout = 3 * time.Second

// storeCollector reports what the database holds at scrape time: leads by
// status, failed leads and the work waiting by mode.
type storeCollector struct {
	store  *storage.Store
	log    *slog.Logger
	leads  *prometheus.Desc
	failed *prometheus.Desc
	queue  *prometheus.Desc
}

func newStoreCollector(store *storage.Store, log *slog.Logger) *storeCollector {
	return &storeCollector{
		store:  store,
		log:    log,
		leads:  prometheus.NewDesc("leadrelay_leads", "Leads in the database, by status.", []string{"status"}, nil),
		failed: prometheus.NewDesc("leadrelay_leads_failed", "Leads failed after their attempts, waiting for a re-queue.", nil, nil),
		queue:  prometheus.NewDesc("leadrelay_queue_depth", "Work due now and not yet done: new leads, and pending deliveries by mode.", []string{"mode"}, nil),
	}
}

// Describe sends the metrics' descriptions.
func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.leads
	ch <- c.failed
	ch <- c.queue
}

// Collect queries the database; a query that fails or times out makes its
// metric invalid for this scrape and the others still report.
func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	if counts, err := c.store.CountLeadsByStatus(ctx); err != nil {
		c.log.Error("metrics: counting leads", "err", err)
		ch <- prometheus.NewInvalidMetric(c.leads, err)
	} else {
		for _, st := range lead.Statuses() {
			ch <- prometheus.MustNewConstMetric(c.leads, prometheus.GaugeValue, float64(counts[st]), st.String())
		}
	}
	if n, err := c.store.CountFailedLeads(ctx); err != nil {
		c.log.Error("metrics: counting failed leads", "err", err)
		ch <- prometheus.NewInvalidMetric(c.failed, err)
	} else {
		ch <- prometheus.MustNewConstMetric(c.failed, prometheus.GaugeValue, float64(n))
	}
	depth, err := c.store.QueueDepth(ctx, time.Now().UnixMilli())
	if err != nil {
		c.log.Error("metrics: measuring the queue", "err", err)
		ch <- prometheus.NewInvalidMetric(c.queue, err)
		return
	}
	for _, m := range []mode.Mode{mode.New, mode.Changes, mode.Approved, mode.Postback} {
		ch <- prometheus.MustNewConstMetric(c.queue, prometheus.GaugeValue, float64(depth[string(m)]), string(m))
	}
}
