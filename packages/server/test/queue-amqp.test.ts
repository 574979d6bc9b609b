import { brokerAvailable } from '@herald/testing';
import { queueDestinationSuite } from './queue-destination-harness.ts';
import { amqpSuite } from './queue-amqp-suite.ts';

if (await brokerAvailable('RabbitMQ', '127.0.0.1', 5672)) queueDestinationSuite(amqpSuite);
