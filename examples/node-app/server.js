const http = require("http");
const ms = require("ms");

const message = "hello from node";
const port = Number(process.env.PORT || 8080);

http.createServer((req, res) => {
  res.end(`${message} (up ${ms(Math.round(process.uptime() * 1000))})\n`);
}).listen(port, "127.0.0.1", () => console.log(`listening on 127.0.0.1:${port}`));
