export { DeliveryWorker, type DeliveryWorkerOptions, type Sender } from './worker.ts';
export { HttpSender, type HttpSenderOptions, type SendRequest, type SendResult } from './http-sender.ts';
export { checkTargetUrl, isBlockedAddress } from './ssrf-guard.ts';
export { noDeliveryMetrics, type DeliveryMetrics } from './delivery-metrics.ts';
export { ThreadedSender } from './threaded-sender.ts';
export { typeScriptWorkerSource } from './worker-bootstrap.ts';
export { RoundRobinSender } from './round-robin-sender.ts';
export { ownRelayTarget, setOwnRelayPort, type OwnRelayTarget } from './own-relay.ts';
