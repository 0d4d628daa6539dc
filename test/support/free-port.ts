/** Tests start servers as separate processes the same way the local stack does. */
export { freePort } from '@tracking/services';
