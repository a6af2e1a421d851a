package storage

import "gorm.io/gorm"

// DB is the store's gorm handle, for tests that take the schema back in time.
func DB(s *Store) *gorm.DB { return s.db }
