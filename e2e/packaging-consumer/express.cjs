// Express, required (CommonJS): prints "listening <port>", then "event <type> <id>" per webhook.
const express = require('express');
const { webhookMiddleware } = require('@herald/receiver/express');

const app = express();
app.post('/webhooks', webhookMiddleware({
  secret: process.env.WEBHOOK_SECRET,
  onEvent: (event) => console.log(`event ${event.type} ${event.id}`),
}));
app.use(express.json());
const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
