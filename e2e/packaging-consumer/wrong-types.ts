// Must NOT type-check: proves the consumer's check sees real declarations, not `any`.
import { createVerifier } from '@herald/receiver';
import { webhookHandler } from '@herald/receiver/hono';

export const notAString: string = createVerifier('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
export const missingSecret = webhookHandler({ onEvent: () => undefined });
