import { prepareKafkajs } from '@tracking/kafka';

// Jest gives every test file its own copy of kafkajs; this prepares that copy (codecs, idle-timer
// fix) before the file runs, as the services' own clients are, whatever client the test makes.
prepareKafkajs();
