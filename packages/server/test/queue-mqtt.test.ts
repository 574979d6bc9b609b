import { brokerAvailable } from '@herald/testing';
import { queueDestinationSuite } from './queue-destination-harness.ts';
import { mqttSuite } from './queue-mqtt-suite.ts';

if (await brokerAvailable('Mosquitto', '127.0.0.1', 1883)) queueDestinationSuite(mqttSuite);
