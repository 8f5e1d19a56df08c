// Package farmtest runs soapstack services as a web farm: several nodes
// sharing one real redis-server (package redisstore) behind a real load
// balancer (HAProxy from Debian, round robin, no stickiness), with
// clients whose every request may land on any node. The package has
// only tests; its helpers start and stop the balancer.
package farmtest
