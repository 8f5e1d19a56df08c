// Package farmtest runs soapstack services as a web farm: several nodes
// sharing one real redis-server (package redisstore) behind a real load
// balancer (HAProxy from Debian, round robin, no stickiness), with
// clients whose every request may land on any node: secure sessions in
// both modes, node loss, Redis restarts, key rotation, a reliable secure
// session over a lossy link (TestFarmReliableSession), exactly-once
// delivery under node loss checked from the nodes' delivery records in
// Redis (internal/deliverylog; TestFarmServeProcesses kills a `soapstack
// serve --record-deliveries` process), a soak
// (TestFarmSoak, SOAK=5m to run it longer) and the figures of Redis's
// footprint (TestFarmRedisFootprint) and of round trips (BenchmarkFarm,
// BenchmarkFarmReliable). The package has only tests; its helpers start
// and stop the balancer.
package farmtest
