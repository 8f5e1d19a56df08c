package redisstore

import (
	"fmt"
	"testing"

	"github.com/soapstack/soapstack/reliable"
	"github.com/soapstack/soapstack/reliable/storetest"
)

func TestSequenceStoreConformance(t *testing.T) {
	_, c := newClient(t)
	n := 0
	storetest.Run(t, func() reliable.SequenceStore {
		n++
		s, err := NewSequenceStore(c, SequenceOptions{Options: Options{Prefix: fmt.Sprintf("conf%d:", n)}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
