// Calls teacher-sim with the official openai package, plain and streamed; prints what it got as JSON.
// Usage: node openai-check.mjs BASE_URL   (BASE_URL ends in /v1)
import OpenAI from 'openai';

const client = new OpenAI({ baseURL: process.argv[2], apiKey: 'not-needed', maxRetries: 0 });
const messages = [{ role: 'user', content: 'What is 3 * 4 + 1?' }];

const plain = await client.chat.completions.create({ model: 'teacher-sim', messages, n: 2 });

const stream = await client.chat.completions.create({
  model: 'teacher-sim', messages, stream: true, stream_options: { include_usage: true },
});
let content = '';
let reasoning = '';
let finish = null;
let usage = null;
for await (const chunk of stream) {
  for (const c of chunk.choices) {
    content += c.delta?.content ?? '';
    reasoning += c.delta?.reasoning_content ?? '';
    if (c.finish_reason) finish = c.finish_reason;
  }
  if (chunk.usage) usage = chunk.usage;
}
console.log(JSON.stringify({
  plain: plain.choices.map((c) => ({ content: c.message.content, reasoning: c.message.reasoning_content, finish: c.finish_reason })),
  plainUsage: plain.usage,
  stream: { content, reasoning, finish, usage },
}));
