package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/leadrelay/leadrelay/integrations"
	"github.com/leadrelay/leadrelay/storage"
	"github.com/leadrelay/leadrelay/storage/catalog"
	"github.com/leadrelay/leadrelay/storage/user"
)

// catalogKind is how the admin API serves one kind of catalog object.
type catalogKind[T storage.CatalogObject] struct {
	plural string
	id     func(*T) *int64
	// check validates an object about to be stored.
	check func(*T) error
	// find loads the object a path names; nil means by numeric id.
	find func(ctx context.Context, s *storage.Store, key string) (*T, error)
	// written, when set, is told that an object was stored or deleted.
	written func(s *Server)
	// redact, when set, hides the object's secrets from those who may not
	// read them.
	redact func(*T)
}

func (s *Server) catalogRoutes(admin *gin.RouterGroup) {
	addCatalog(s, admin, catalogKind[catalog.Offer]{plural: "offers", id: func(o *catalog.Offer) *int64 { return &o.ID }, check: checkOffer})
	addCatalog(s, admin, catalogKind[catalog.Site]{plural: "sites", id: func(o *catalog.Site) *int64 { return &o.ID }, check: checkSite})
	addCatalog(s, admin, catalogKind[catalog.Goal]{plural: "goals", id: func(o *catalog.Goal) *int64 { return &o.ID }, check: noCheck[catalog.Goal]})
	addCatalog(s, admin, catalogKind[catalog.Affiliate]{plural: "affiliates", id: func(o *catalog.Affiliate) *int64 { return &o.ID }, check: noCheck[catalog.Affiliate]})
	addCatalog(s, admin, catalogKind[catalog.Campaign]{plural: "campaigns", id: func(o *catalog.Campaign) *int64 { return &o.ID }, check: checkCampaign, find: findCampaign,
		written: func(s *Server) { s.campaigns.forget() }, redact: redactCampaign})
}

func addCatalog[T storage.CatalogObject](s *Server, admin *gin.RouterGroup, k catalogKind[T]) {
	if k.find == nil {
		k.find = findByID[T]
	}
	base := "/" + k.plural
	admin.GET(base, s.h(k.list(s)))
	admin.POST(base, s.h(k.create(s)))
	admin.GET(base+"/:id", s.h(k.get(s)))
	admin.PUT(base+"/:id", s.h(k.put(s)))
	admin.DELETE(base+"/:id", s.h(k.remove(s)))
}

func (k catalogKind[T]) list(s *Server) handler {
	return func(c *gin.Context) error {
		if err := onlyFilters(c, "after", "limit"); err != nil {
			return err
		}
		after, limit, err := paging(c)
		if err != nil {
			return err
		}
		objs, err := storage.ListObjects[T](c.Request.Context(), s.opts.Store, after, limit)
		if err != nil {
			return err
		}
		if objs == nil {
			objs = []T{}
		}
		for i := range objs {
			k.hide(c, &objs[i])
		}
		c.JSON(http.StatusOK, gin.H{k.plural: objs})
		return nil
	}
}

func (k catalogKind[T]) get(s *Server) handler {
	return func(c *gin.Context) error {
		obj, err := k.lookup(c, s)
		if err != nil {
			return err
		}
		k.hide(c, obj)
		c.JSON(http.StatusOK, obj)
		return nil
	}
}

// create stores a new object, with the id it gives or a new one; an id
// already taken is a conflict (PUT replaces).
func (k catalogKind[T]) create(s *Server) handler {
	return func(c *gin.Context) error {
		var obj T
		if err := decodeStrict(c.Request, &obj); err != nil {
			return err
		}
		ctx := c.Request.Context()
		if id := *k.id(&obj); id > 0 {
			if _, err := storage.GetObject[T](ctx, s.opts.Store, id); err == nil {
				return newError(http.StatusConflict, CodeConflict, "%s %d exists already: PUT replaces it", k.singular(), id)
			}
		}
		return k.store(c, s, &obj, http.StatusCreated)
	}
}

// put creates or replaces the object the path names.
func (k catalogKind[T]) put(s *Server) handler {
	return func(c *gin.Context) error {
		id, err := k.pathID(c, s)
		if err != nil {
			return err
		}
		var obj T
		if err := decodeStrict(c.Request, &obj); err != nil {
			return err
		}
		if got := *k.id(&obj); got != 0 && got != id {
			return invalid("id: the body says %d and the path %d", got, id)
		}
		*k.id(&obj) = id
		return k.store(c, s, &obj, http.StatusOK)
	}
}

func (k catalogKind[T]) store(c *gin.Context, s *Server, obj *T, status int) error {
	if *k.id(obj) < 0 {
		return invalid("id: an id is not negative")
	}
	if err := k.check(obj); err != nil {
		return err
	}
	if err := checkColumns(obj); err != nil {
		return err
	}
	ctx := c.Request.Context()
	if err := storage.PutObject(ctx, s.opts.Store, obj); err != nil {
		if errors.Is(err, storage.ErrDuplicate) {
			return newError(http.StatusConflict, CodeConflict, "a %s with that alias exists already", k.singular())
		}
		return err
	}
	k.wrote(s)
	if err := s.logChange(c, 0, "%s %d saved", k.singular(), *k.id(obj)); err != nil {
		return err
	}
	stored, err := storage.GetObject[T](ctx, s.opts.Store, *k.id(obj))
	if err != nil {
		return err
	}
	c.JSON(status, stored)
	return nil
}

func (k catalogKind[T]) remove(s *Server) handler {
	return func(c *gin.Context) error {
		obj, err := k.lookup(c, s)
		if err != nil {
			return err
		}
		if err := storage.DeleteObject[T](c.Request.Context(), s.opts.Store, *k.id(obj)); err != nil {
			return err
		}
		k.wrote(s)
		if err := s.logChange(c, 0, "%s %d deleted", k.singular(), *k.id(obj)); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}
}

func (k catalogKind[T]) lookup(c *gin.Context, s *Server) (*T, error) {
	obj, err := k.find(c.Request.Context(), s.opts.Store, c.Param("id"))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("%s %s does not exist", k.singular(), c.Param("id"))
	}
	return obj, err
}

// pathID is the id of the object the path names, or the path's number when
// there is none yet (PUT creates it).
func (k catalogKind[T]) pathID(c *gin.Context, s *Server) (int64, error) {
	obj, err := k.find(c.Request.Context(), s.opts.Store, c.Param("id"))
	switch {
	case err == nil:
		return *k.id(obj), nil
	case !errors.Is(err, storage.ErrNotFound):
		return 0, err
	}
	id, perr := strconv.ParseInt(c.Param("id"), 10, 64)
	if perr != nil || id <= 0 {
		return 0, notFound("%s %s does not exist", k.singular(), c.Param("id"))
	}
	return id, nil
}

func (k catalogKind[T]) wrote(s *Server) {
	if k.written != nil {
		k.written(s)
	}
}

// hide redacts obj's secrets when the request's person may not read them.
func (k catalogKind[T]) hide(c *gin.Context, obj *T) {
	if k.redact != nil && !person(c).Role.May(user.ReadSecrets) {
		k.redact(obj)
	}
}

// redactCampaign hides a campaign's key.
func redactCampaign(camp *catalog.Campaign) {
	if camp.Key != "" {
		camp.Key = integrations.RedactedSecret
	}
}

func (k catalogKind[T]) singular() string { return strings.TrimSuffix(k.plural, "s") }

func findByID[T storage.CatalogObject](ctx context.Context, s *storage.Store, key string) (*T, error) {
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil || id <= 0 {
		return nil, storage.ErrNotFound
	}
	return storage.GetObject[T](ctx, s, id)
}

// findCampaign reads the path as a campaign's id, else as its alias.
func findCampaign(ctx context.Context, s *storage.Store, key string) (*catalog.Campaign, error) {
	c, err := findByID[catalog.Campaign](ctx, s, key)
	if errors.Is(err, storage.ErrNotFound) {
		return s.CampaignByAlias(ctx, key)
	}
	return c, err
}

func noCheck[T any](*T) error { return nil }

func checkOffer(o *catalog.Offer) error {
	for c := range o.GeoParams {
		if !integrations.IsCountry(c) {
			return invalid("geo_params: %q is not a country in lower case, such as \"gb\"", c)
		}
	}
	for p := range o.ProductParams {
		if n, err := strconv.ParseInt(p, 10, 64); err != nil || n <= 0 {
			return invalid("product_params: %q is not a product id", p)
		}
	}
	return checkDuplicates(o.Duplicates)
}

// checkDuplicates validates an offer's duplicates: days of at least one,
// and by naming phone, email or ip.
func checkDuplicates(d *catalog.Duplicates) error {
	if d == nil {
		return nil
	}
	if d.Days < 1 {
		return invalid("duplicates.days: %d is not a number of days; want 1 or more", d.Days)
	}
	if len(d.By) == 0 {
		return invalid("duplicates.by: name at least one of phone, email, ip")
	}
	for _, by := range d.By {
		switch by {
		case catalog.DuplicateByPhone, catalog.DuplicateByEmail, catalog.DuplicateByIP:
		default:
			return invalid("duplicates.by: %q is none of phone, email, ip", by)
		}
	}
	return nil
}

func checkSite(site *catalog.Site) error {
	if site.Kind == "" {
		site.Kind = catalog.KindLanding
	}
	if site.Kind != catalog.KindLanding && site.Kind != catalog.KindPrelanding {
		return invalid("kind: %q is neither landing nor prelanding", site.Kind)
	}
	return checkURL("url", site.URL)
}

func checkCampaign(c *catalog.Campaign) error {
	switch {
	case c.Alias == "":
		return newError(http.StatusBadRequest, CodeNoID, "alias: a campaign needs an alias")
	case strings.IndexFunc(c.Alias, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' }) >= 0:
		return invalid("alias: %q has a space, a slash or a control character", c.Alias)
	case digits(c.Alias) == c.Alias:
		return invalid("alias: %q is a number; the API reads a number as a campaign's id", c.Alias)
	case c.Offer < 0 || c.WM < 0 || c.Site < 0 || c.Integration < 0:
		return invalid("offer, wm, site and integration are ids: 0 or more")
	case c.Payout < 0 || math.IsNaN(c.Payout) || math.IsInf(c.Payout, 0):
		return invalid("payout: %v is not an amount: 0 or more", c.Payout)
	}
	for key := range c.PostbackLabels {
		if !integrations.IsLabelKey(key) {
			return invalid("postback_labels: %q is neither a stage (wait, approve, cancel, trash) nor a status name", key)
		}
	}
	return checkURL("postback_url", c.PostbackURL)
}

// checkURL accepts what integrations.CheckURL does: an http:// or https://
// URL, or a template that starts with a macro; the template's macros must
// parse.
func checkURL(field, raw string) error {
	if err := integrations.CheckURL(raw); err != nil {
		return invalid("%s: %v", field, err)
	}
	return nil
}

// paging reads ?after= and ?limit=.
// onlyFilters refuses a query key that is not one of the list's filters:
// a typo must not answer the whole list, as if nothing had been asked.
func onlyFilters(c *gin.Context, filters ...string) error {
	for key := range c.Request.URL.Query() {
		if !slices.Contains(filters, key) {
			return invalid("%s: not a filter of this list; its filters are %s", key, strings.Join(filters, ", "))
		}
	}
	return nil
}

func paging(c *gin.Context) (after int64, limit int, err error) {
	if after, err = asID("after", c.Query("after")); err != nil {
		return 0, 0, err
	}
	n, err := asID("limit", c.Query("limit"))
	if n > 1000 {
		n = 1000
	}
	return after, int(n), err
}
