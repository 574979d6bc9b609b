import { brokerAvailable } from '@herald/testing';
import { postgresTestDatabase } from '@herald/testing/postgres';
import { queueDestinationSuite } from './queue-destination-harness.ts';
import { amqpSuite } from './queue-amqp-suite.ts';

// The same checks in PostgreSQL mode: broker URLs validated by an API process, sent by a worker process.
const database = await postgresTestDatabase();
if (database && (await brokerAvailable('RabbitMQ', '127.0.0.1', 5672))) queueDestinationSuite({ ...amqpSuite, postgresUrl: database.url });
