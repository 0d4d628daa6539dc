import { removeAppliedTestCustomers } from './test-customers';

// Runs after the test file's own afterAll hooks (those of its describe blocks), once its services are stopped.
afterAll(async () => {
  await removeAppliedTestCustomers();
}, 60_000);
