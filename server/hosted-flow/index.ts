export { createHostedFlowRouter } from './router.js';
