-- wrk script: the request generation-service sends for one sample, streamed, against teacher-sim
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "text/event-stream"
wrk.body = '{"model":"teacher-sim","messages":[{"role":"user","content":"Solve: What is 17 * 7 + 5?"}],"seed":3,"n":1,"stream":true,"stream_options":{"include_usage":true}}'
