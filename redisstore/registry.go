package redisstore

import (
	"context"
	"errors"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// registry keeps the bound on the entries of a store (sequences or
// sessions) and on its pending ones: two sorted sets under one hash tag,
// members the entries' ids, scores a hint of their deadlines in Unix
// milliseconds of the callers' clock. The entries themselves live under
// their own hash tags, so the registry is updated in separate round trips;
// before refusing, reserve checks the entries whose hint has passed
// against the entries themselves (verify), so a stale member never refuses
// a new entry for long.
type registry struct {
	all, pending string // keys
	maxAll       int64
	maxPending   int64
	// verify reports the state of entry id at the caller's now: gone,
	// pending or not, and its deadline hint; it may drop an expired entry.
	verify func(ctx context.Context, id string, nowMS int64, args []any) (entryStatus, error)
}

// entryStatus is what verify found.
type entryStatus struct {
	gone     bool
	pending  bool
	deadline int64 // Unix ms
}

// errRegistryFull and errRegistryPending are reserve's refusals; callers
// map them to their package's sentinels.
var (
	errRegistryFull    = errors.New("registry full")
	errRegistryPending = errors.New("registry: too many pending")
)

// reserveScript adds member to the registry when there is room, a member
// already present counting once. KEYS: all, pending. ARGV: member,
// deadline, pending (0/1), maxAll, maxPending.
var reserveScript = redis.NewScript(`
local m, d, p = ARGV[1], ARGV[2], ARGV[3] == '1'
local inAll = redis.call('ZSCORE', KEYS[1], m)
if not inAll and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 'full' end
if p then
  local inP = redis.call('ZSCORE', KEYS[2], m)
  if not inP and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return 'pending' end
  redis.call('ZADD', KEYS[2], d, m)
end
redis.call('ZADD', KEYS[1], d, m)
return 'ok'
`)

// forgetScript removes member from both sets. KEYS: all, pending. ARGV:
// member, which ("all" or "pending").
var forgetScript = redis.NewScript(`
if ARGV[2] == 'all' then redis.call('ZREM', KEYS[1], ARGV[1]) end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`)

// reserve registers id, refusing with errRegistryFull or
// errRegistryPending when a bound is reached after stale members were
// checked. args are passed to verify.
func (r *registry) reserve(ctx context.Context, c redis.UniversalClient, id string, deadline int64, pending bool, nowMS int64, args []any) error {
	p := "0"
	if pending {
		p = "1"
	}
	for attempt := 0; ; attempt++ {
		res, err := reserveScript.Run(ctx, c, []string{r.all, r.pending}, id, deadline, p, r.maxAll, r.maxPending).Text()
		if err != nil {
			return unavailable("registry", err)
		}
		switch res {
		case "ok":
			return nil
		case "full":
			err = errRegistryFull
		default:
			err = errRegistryPending
		}
		if attempt > 0 {
			return err
		}
		key := r.all
		if res == "pending" {
			key = r.pending
		}
		if err := r.prune(ctx, c, key, nowMS, args); err != nil {
			return err
		}
	}
}

// prune checks the members of key whose deadline hint has passed (a
// bounded batch) against their entries, dropping the gone ones and
// updating the others.
func (r *registry) prune(ctx context.Context, c redis.UniversalClient, key string, nowMS int64, args []any) error {
	ids, err := c.ZRangeByScore(ctx, key, &redis.ZRangeBy{Min: "-inf", Max: strconv.FormatInt(nowMS+1, 10), Count: 1000}).Result()
	if err != nil {
		return unavailable("registry", err)
	}
	for _, id := range ids {
		st, err := r.verify(ctx, id, nowMS, args)
		if err != nil {
			return err
		}
		var perr error
		switch {
		case st.gone:
			perr = r.forget(ctx, c, id, true)
		default:
			perr = c.ZAddXX(ctx, r.all, redis.Z{Score: float64(st.deadline), Member: id}).Err()
			if perr == nil && st.pending {
				perr = c.ZAddXX(ctx, r.pending, redis.Z{Score: float64(st.deadline), Member: id}).Err()
			} else if perr == nil {
				perr = c.ZRem(ctx, r.pending, id).Err()
			}
		}
		if perr != nil {
			return unavailable("registry", perr)
		}
	}
	return nil
}

// forget removes id from the pending set, and from both when all.
func (r *registry) forget(ctx context.Context, c redis.UniversalClient, id string, all bool) error {
	which := "pending"
	if all {
		which = "all"
	}
	if err := forgetScript.Run(ctx, c, []string{r.all, r.pending}, id, which).Err(); err != nil {
		return unavailable("registry", err)
	}
	return nil
}
