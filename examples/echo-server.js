// The seeds' server example, on ferrosocket: an echo server on localhost (PORT, default 8080).
const WebSocket = require('ferrosocket');
const http = require('http');

const port = Number(process.env.PORT || 8080);
const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  console.log(`ferrosocket ${WebSocket.version} echo server on ws://127.0.0.1:${port}/ (codec: ${WebSocket.codec})`);
});

const wsServer = new WebSocket.server({
  httpServer: server,
  autoAcceptConnections: false,
});

wsServer.on('request', function (request) {
  const connection = request.accept(null, request.origin);

  connection.on('message', function (message) {
    if (message.type === 'utf8') {
      console.log('Received: ' + message.utf8Data);
      connection.sendUTF('Echo: ' + message.utf8Data);
    } else if (message.type === 'binary') {
      connection.sendBytes(message.binaryData);
    }
  });
});
