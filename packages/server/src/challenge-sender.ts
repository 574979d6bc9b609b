import type { ChallengeSender } from '@herald/api';
import { HttpSender } from '@herald/delivery';
import type { HeraldConfig } from './config.ts';

/**
 * The endpoint verification challenge leaves from the API process, through the same SSRF-safe
 * sender (and the same limits) as deliveries, so a challenge can reach nothing a message could not.
 */
export function createChallengeSender(config: HeraldConfig): { send: ChallengeSender; close(): Promise<void> } {
  const sender = new HttpSender({
    allowPrivateTargets: config.allowPrivateTargets,
    privateTargets: config.privateTargets,
    httpsOnly: config.httpsOnly,
    connectTimeoutMs: config.connectTimeoutMs,
    deadlineMs: config.deliveryDeadlineMs,
    maxResponseBytes: config.maxResponseBytes,
  });
  return {
    async send({ url, headers, body, msgId, secrets }) {
      const result = await sender.send({ url, headers, body, signing: { msgId, secrets } });
      if (result.kind === 'response') return { status: result.status, body: result.body };
      if (result.kind === 'error') return { error: `${result.reason}: ${result.message}` };
      return { error: 'the endpoint stayed busy; try again' };
    },
    close: () => sender.close(),
  };
}
