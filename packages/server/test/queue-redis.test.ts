import { brokerAvailable } from '@herald/testing';
import { queueDestinationSuite } from './queue-destination-harness.ts';
import { redisSuite } from './queue-redis-suite.ts';

if (await brokerAvailable('Redis', '127.0.0.1', 6379)) queueDestinationSuite(redisSuite);
