package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/leadrelay/leadrelay/storage/user"
)

// ErrExists is returned when a row with the same unique value is stored already.
var ErrExists = errors.New("exists already")

// User is a person who signs in to the console or calls the admin API: a
// name, a role and a bcrypt hash of the password.
type User struct {
	ID           int64     `gorm:"primaryKey;autoIncrement"`
	Name         string    `gorm:"size:64;not null;uniqueIndex"`
	Role         user.Role `gorm:"size:16;not null"`
	PasswordHash string    `gorm:"size:100;not null"`
	CreatedAt    time.Time `gorm:"not null"`
}

// TableName names the table for gorm.
func (User) TableName() string { return "users" }

// APIToken is one of a user's API tokens, kept only as the SHA-256 of the
// token: the token itself is shown once, when it is made.
type APIToken struct {
	ID        int64     `gorm:"primaryKey;autoIncrement"`
	UserID    int64     `gorm:"column:user_id;not null;index"`
	Hash      string    `gorm:"size:64;not null;uniqueIndex"`
	CreatedAt time.Time `gorm:"not null"`
}

// TableName names the table for gorm.
func (APIToken) TableName() string { return "user_tokens" }

// Session is one console sign-in, kept as the SHA-256 of its cookie, with
// the CSRF token its forms carry and when it was last used.
type Session struct {
	Hash     string    `gorm:"primaryKey;size:64"`
	UserID   int64     `gorm:"column:user_id;not null;index"`
	CSRF     string    `gorm:"column:csrf;size:64;not null"`
	LastSeen time.Time `gorm:"not null"`
}

// TableName names the table for gorm.
func (Session) TableName() string { return "user_sessions" }

// HashToken is how a token or session cookie is kept: its SHA-256 in hex.
// The tokens are 32 random bytes, so a fast hash is enough to keep them from
// anyone who reads the database.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateUser stores a new user; a name taken already is ErrExists.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	db := s.db.WithContext(ctx)
	var n int64
	if err := db.Model(&User{}).Where("name = ?", u.Name).Count(&n).Error; err != nil {
		return fmt.Errorf("looking up user %s: %w", u.Name, err)
	}
	if n > 0 {
		return fmt.Errorf("user %s: %w", u.Name, ErrExists)
	}
	if err := db.Create(u).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return fmt.Errorf("user %s: %w", u.Name, ErrExists)
		}
		return fmt.Errorf("storing user %s: %w", u.Name, err)
	}
	return nil
}

// ListUsers lists every user by name.
func (s *Store) ListUsers(ctx context.Context) ([]User, error) {
	var out []User
	if err := s.db.WithContext(ctx).Order("name").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("listing users: %w", err)
	}
	return out, nil
}

// CountUsers says how many users there are.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("counting users: %w", err)
	}
	return n, nil
}

// UserByName finds a user by name; ErrNotFound when there is none.
func (s *Store) UserByName(ctx context.Context, name string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("name = ?", name).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("user %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("loading user %s: %w", name, err)
	}
	return &u, nil
}

// RemoveUser deletes a user with its tokens and sessions.
func (s *Store) RemoveUser(ctx context.Context, name string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u User
		err := tx.Where("name = ?", name).First(&u).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("user %s: %w", name, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("loading user %s: %w", name, err)
		}
		for _, row := range []any{&APIToken{}, &Session{}} {
			if err := tx.Where("user_id = ?", u.ID).Delete(row).Error; err != nil {
				return fmt.Errorf("removing user %s: %w", name, err)
			}
		}
		if err := tx.Delete(&u).Error; err != nil {
			return fmt.Errorf("removing user %s: %w", name, err)
		}
		return nil
	})
}

// AddToken keeps the hash of a new API token of a user.
func (s *Store) AddToken(ctx context.Context, userID int64, hash string) error {
	if err := s.db.WithContext(ctx).Create(&APIToken{UserID: userID, Hash: hash}).Error; err != nil {
		return fmt.Errorf("storing a token: %w", err)
	}
	return nil
}

// RevokeTokens ends every API token of a user and says how many there were.
func (s *Store) RevokeTokens(ctx context.Context, userID int64) (int64, error) {
	res := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&APIToken{})
	if res.Error != nil {
		return 0, fmt.Errorf("revoking tokens: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// UserByToken finds the user whose API token has this hash; ErrNotFound
// when none has.
func (s *Store) UserByToken(ctx context.Context, hash string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Joins("JOIN user_tokens ON user_tokens.user_id = users.id").
		Where("user_tokens.hash = ?", hash).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("token: %w", ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("looking up a token: %w", err)
	}
	return &u, nil
}

// CreateSession stores a new sign-in.
func (s *Store) CreateSession(ctx context.Context, sess *Session) error {
	if err := s.db.WithContext(ctx).Create(sess).Error; err != nil {
		return fmt.Errorf("storing a session: %w", err)
	}
	return nil
}

// TouchSession finds the session with this hash, used at or after
// idleSince, with its user, and marks it used at now. A session idle for
// longer is deleted and is ErrNotFound, as is one that does not exist.
func (s *Store) TouchSession(ctx context.Context, hash string, idleSince, now time.Time) (*Session, *User, error) {
	db := s.db.WithContext(ctx)
	var sess Session
	err := db.Where("hash = ?", hash).First(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, fmt.Errorf("session: %w", ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("loading a session: %w", err)
	}
	if sess.LastSeen.Before(idleSince) {
		if err := db.Where("hash = ? OR last_seen < ?", hash, idleSince).Delete(&Session{}).Error; err != nil {
			return nil, nil, fmt.Errorf("ending idle sessions: %w", err)
		}
		return nil, nil, fmt.Errorf("session: %w", ErrNotFound)
	}
	var u User
	err = db.First(&u, sess.UserID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, fmt.Errorf("session's user: %w", ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("loading a session's user: %w", err)
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := db.Model(&Session{}).Where("hash = ?", hash).Update("last_seen", now).Error; err != nil {
			return nil, nil, fmt.Errorf("touching a session: %w", err)
		}
		sess.LastSeen = now
	}
	return &sess, &u, nil
}

// DeleteSession ends a sign-in.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	if err := s.db.WithContext(ctx).Where("hash = ?", hash).Delete(&Session{}).Error; err != nil {
		return fmt.Errorf("ending a session: %w", err)
	}
	return nil
}
