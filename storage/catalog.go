package storage

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/catalog"
)

// CatalogObject is one of the catalog types stored by id.
type CatalogObject interface {
	catalog.Offer | catalog.Site | catalog.Goal | catalog.Affiliate | catalog.Campaign
}

// GetObject loads one catalog object by id.
func GetObject[T CatalogObject](ctx context.Context, s *Store, id int64) (*T, error) {
	var obj T
	err := s.db.WithContext(ctx).First(&obj, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, missing("%s %d", objectName[T](), id)
	}
	if err != nil {
		return nil, fmt.Errorf("loading %T %d: %w", obj, id, err)
	}
	return &obj, nil
}

// ListObjects lists catalog objects by id, after the given id, up to limit.
func ListObjects[T CatalogObject](ctx context.Context, s *Store, after int64, limit int) ([]T, error) {
	var out []T
	q := s.db.WithContext(ctx).Order("id").Limit(limitOrDefault(limit))
	if after > 0 {
		q = q.Where("id > ?", after)
	}
	if err := q.Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing %T: %w", out, err)
	}
	return out, nil
}

// PutObject stores a catalog object: a new one when its id is 0 (the id is
// filled in), else the object with that id, created or replaced whole. A
// unique value taken by another object (a campaign alias) is ErrDuplicate.
func PutObject[T CatalogObject](ctx context.Context, s *Store, obj *T) error {
	id, err := s.primaryKey(ctx, obj)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if id != 0 {
			if err := tx.Model(obj).Where("id = ?", id).Count(&n).Error; err != nil {
				return err
			}
		}
		if n > 0 {
			return tx.Save(obj).Error
		}
		return tx.Create(obj).Error
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("storing %T: %w", obj, ErrDuplicate)
	}
	if err != nil {
		return fmt.Errorf("storing %T: %w", obj, err)
	}
	return nil
}

// primaryKey reads the id of any gorm model.
func (s *Store) primaryKey(ctx context.Context, obj any) (int64, error) {
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(obj); err != nil {
		return 0, fmt.Errorf("reading the model of %T: %w", obj, err)
	}
	v, _ := stmt.Schema.PrioritizedPrimaryField.ValueOf(ctx, reflect.ValueOf(obj).Elem())
	id, _ := v.(int64)
	return id, nil
}

// DeleteObject removes a catalog object; ErrNotFound if there was none.
func DeleteObject[T CatalogObject](ctx context.Context, s *Store, id int64) error {
	var obj T
	res := s.db.WithContext(ctx).Delete(&obj, id)
	if res.Error != nil {
		return fmt.Errorf("deleting %T %d: %w", obj, id, res.Error)
	}
	if res.RowsAffected == 0 {
		return missing("%s %d", objectName[T](), id)
	}
	return nil
}

// CampaignByAlias loads the campaign publishers know by alias.
func (s *Store) CampaignByAlias(ctx context.Context, alias string) (*catalog.Campaign, error) {
	var c catalog.Campaign
	err := s.db.WithContext(ctx).Where("alias = ?", alias).First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, missing("campaign %q", alias)
	}
	if err != nil {
		return nil, fmt.Errorf("loading campaign %q: %w", alias, err)
	}
	return &c, nil
}

// ErrDuplicate is returned when a unique value (a campaign alias) is taken.
var ErrDuplicate = errors.New("already exists")

const (
	defaultLimit = 100
	maxLimit     = 1000
)

func limitOrDefault(limit int) int {
	switch {
	case limit <= 0:
		return defaultLimit
	case limit > maxLimit:
		return maxLimit
	default:
		return limit
	}
}

// objectName is how messages name a catalog object of type T.
func objectName[T CatalogObject]() string {
	var obj T
	switch any(obj).(type) {
	case catalog.Offer:
		return "offer"
	case catalog.Site:
		return "site"
	case catalog.Goal:
		return "goal"
	case catalog.Affiliate:
		return "affiliate"
	}
	return "campaign"
}
