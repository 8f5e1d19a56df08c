package reliable

import "context"

// DeliveryInfo describes the message of a reliable sequence that an
// operation runs for. The layer gives it to the operation's context
// (DeliveryFromContext).
type DeliveryInfo struct {
	// Sequence is the request sequence's identifier and Number the
	// message's number on it: together they name the message across the
	// nodes of a farm and across retransmissions (a key for an
	// operation's own idempotency check).
	Sequence string
	Number   int64
	// Redelivery reports that the message's delivery was claimed before
	// and never completed: the claim holder went away (its node died, or
	// it outlived its ClaimUntil) after the operation may have run, and
	// the claim was taken over (see SequenceStore, "What exactly once
	// means"). An operation with effects that must not be repeated checks
	// for them then.
	Redelivery bool
}

type deliveryKey struct{}

func withDelivery(ctx context.Context, d DeliveryInfo) context.Context {
	return context.WithValue(ctx, deliveryKey{}, d)
}

// DeliveryFromContext returns the message that the operation running
// under ctx was delivered for, false outside a reliable session (or for a
// message without a sequence).
func DeliveryFromContext(ctx context.Context) (DeliveryInfo, bool) {
	d, ok := ctx.Value(deliveryKey{}).(DeliveryInfo)
	return d, ok
}
