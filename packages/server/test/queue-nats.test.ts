import { brokerAvailable } from '@herald/testing';
import { queueDestinationSuite } from './queue-destination-harness.ts';
import { natsSuite } from './queue-nats-suite.ts';

if (await brokerAvailable('NATS', '127.0.0.1', 4222)) queueDestinationSuite(natsSuite);
