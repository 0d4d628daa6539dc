"""Unit tests of the client against a scripted HTTP server on localhost (standard library only)."""

import json
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Tuple

from tracking_client import RetryPolicy, TrackingBulkError, TrackingClient, TrackingError
from tracking_client.retry import is_retriable_status, parse_retry_after

Answer = Tuple[int, Dict[str, str], Dict[str, Any]]


class ScriptedGateway:
    """Answers each request with the next scripted answer (the last one repeats) and records what came."""

    def __init__(self, answers: List[Answer]) -> None:
        self.answers = answers
        self.requests: List[Dict[str, Any]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append({"path": self.path, "headers": {name.lower(): value for name, value in self.headers.items()}, "body": body})
                status, headers, payload = gateway.answers[min(len(gateway.requests), len(gateway.answers)) - 1]
                data = json.dumps(payload).encode()
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


OK: Answer = (200, {}, {"success": True, "event_id": "x", "tracking_result": {"allowed": True}})


def bulk_ok(processed: int, errors: List[Dict[str, Any]] = ()) -> Answer:  # type: ignore[assignment]
    return (200, {}, {"success": True, "events_processed": processed, "events_failed": len({e["index"] for e in errors}), "events_dropped": 0, "errors": list(errors)})


class TrackingClientTest(unittest.TestCase):
    def gateway(self, answers: List[Answer]) -> ScriptedGateway:
        gateway = ScriptedGateway(answers)
        self.addCleanup(gateway.close)
        return gateway

    def client(self, gateway: ScriptedGateway, on_error: Callable[[TrackingError], None] = lambda error: None, **options: Any) -> TrackingClient:
        options.setdefault("retry", RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.01))
        client = TrackingClient(gateway.url, "shop", "token-123", on_error=on_error, **options)
        self.addCleanup(client.close)
        return client

    def test_track_event_sends_the_seed_headers_and_a_client_event_id(self) -> None:
        gateway = self.gateway([OK])
        answer = self.client(gateway).track_event({"event_type": "page_view", "page_url": "https://shop.example/"})
        self.assertTrue(answer["success"])
        request = gateway.requests[0]
        self.assertEqual(request["path"], "/api/v1/track")
        self.assertEqual(request["headers"]["x-customer-id"], "shop")
        self.assertEqual(request["headers"]["authorization"], "Bearer token-123")
        self.assertRegex(request["body"]["event_id"], r"^[0-9a-f-]{36}$")
        self.assertIn("occurred_at", request["body"])
        self.assertIn("sent_at", request["body"])

    def test_retries_503_with_the_same_event_id_stamping_sent_at_on_every_attempt(self) -> None:
        unavailable: Answer = (503, {}, {"success": False, "error_code": "SERVICE_UNAVAILABLE", "error": "Kafka did not acknowledge"})
        gateway = self.gateway([unavailable, unavailable, OK])
        self.client(gateway).track_event({"event_type": "page_view", "event_id": "e-1"})
        self.assertEqual([r["body"]["event_id"] for r in gateway.requests], ["e-1", "e-1", "e-1"])
        self.assertTrue(all("sent_at" in r["body"] for r in gateway.requests))

    def test_does_not_retry_a_refused_request_and_says_which_field(self) -> None:
        gateway = self.gateway([(400, {}, {"success": False, "error_code": "INVALID_REQUEST", "error": "Invalid request: event_type is required", "details": [{"field": "event_type", "reason": "is required"}]})])
        with self.assertRaises(TrackingError) as raised:
            self.client(gateway).track_event({"event_type": "x"})
        self.assertEqual((raised.exception.status, raised.exception.error_code, raised.exception.retriable), (400, "INVALID_REQUEST", False))
        self.assertEqual(raised.exception.details, [{"field": "event_type", "reason": "is required"}])
        self.assertEqual(len(gateway.requests), 1)

    def test_gives_up_after_the_retries_with_the_last_answer(self) -> None:
        gateway = self.gateway([(500, {}, {"success": False, "error_code": "INTERNAL_ERROR", "error": "boom"})])
        with self.assertRaises(TrackingError) as raised:
            self.client(gateway).track_event({"event_type": "x"})
        self.assertEqual((raised.exception.error_code, raised.exception.attempts), ("INTERNAL_ERROR", 4))

    def test_a_honoured_retry_after_does_not_use_up_retries(self) -> None:
        limited: Answer = (429, {"Retry-After": "0"}, {"success": False, "error_code": "RATE_LIMITED", "error": "slow down"})
        gateway = self.gateway([limited, limited, limited, OK])
        self.client(gateway, retry=RetryPolicy(max_retries=0, base_delay=0.001)).track_event({"event_type": "x"})
        self.assertEqual(len(gateway.requests), 4)

    def test_reports_an_unreachable_gateway_as_a_retriable_network_error(self) -> None:
        client = TrackingClient("http://127.0.0.1:9", "shop", "t", retry=RetryPolicy(max_retries=1, base_delay=0.001))
        self.addCleanup(client.close)
        with self.assertRaises(TrackingError) as raised:
            client.track_event({"event_type": "x"})
        self.assertEqual((raised.exception.error_code, raised.exception.retriable, raised.exception.status), ("NETWORK_ERROR", True, None))

    def test_refuses_an_event_without_event_type_before_sending(self) -> None:
        gateway = self.gateway([OK])
        with self.assertRaises(TrackingError) as raised:
            self.client(gateway).track_event({"page_url": "https://shop.example/"})
        self.assertEqual(raised.exception.error_code, "INVALID_EVENT")
        self.assertEqual(gateway.requests, [])

    def test_track_bulk_events_returns_the_answer_with_each_event_id(self) -> None:
        gateway = self.gateway([bulk_ok(2)])
        answer = self.client(gateway).track_bulk_events([{"event_type": "a"}, {"event_type": "b", "event_id": "mine"}], batch_id="b-1")
        self.assertEqual(answer["events_processed"], 2)
        self.assertEqual(answer["event_ids"][1], "mine")
        self.assertEqual(gateway.requests[0]["body"]["batch_id"], "b-1")

    def test_batches_queued_events_and_flushes_the_rest(self) -> None:
        gateway = self.gateway([bulk_ok(2), bulk_ok(2), OK])
        client = self.client(gateway, flush_at=2, flush_interval=60)
        ids = [client.enqueue({"event_type": "e", "n": n}) for n in range(5)]
        result = client.flush(timeout=10)
        self.assertEqual((result.accepted, result.failed), (5, 0))
        self.assertEqual([r["path"] for r in gateway.requests], ["/api/v1/track/bulk", "/api/v1/track/bulk", "/api/v1/track"])
        sent = [e["event_id"] for r in gateway.requests for e in (r["body"].get("events") or [r["body"]])]
        self.assertEqual(sent, ids)

    def test_reports_each_refused_event_of_a_batch_by_position(self) -> None:
        errors: List[TrackingError] = []
        gateway = self.gateway([bulk_ok(1, [{"index": 1, "field": "events[1].event_type", "reason": "is too long"}])])
        client = self.client(gateway, on_error=errors.append, flush_at=2, flush_interval=60)
        ids = [client.enqueue({"event_type": "ok"}), client.enqueue({"event_type": "x" * 10})]
        result = client.flush(timeout=10)
        self.assertEqual((result.accepted, result.failed), (1, 1))
        self.assertIsInstance(errors[0], TrackingBulkError)
        self.assertEqual(errors[0].event_ids, [ids[1]])
        self.assertEqual(errors[0].failures[0]["field"], "events[1].event_type")

    def test_refuses_calls_once_closed(self) -> None:
        gateway = self.gateway([OK])
        client = self.client(gateway)
        client.close()
        with self.assertRaises(TrackingError) as raised:
            client.enqueue({"event_type": "x"})
        self.assertEqual(raised.exception.error_code, "CLIENT_CLOSED")


class RetryTest(unittest.TestCase):
    def test_retriable_statuses(self) -> None:
        self.assertEqual([s for s in (200, 400, 401, 408, 413, 429, 500, 503) if is_retriable_status(s)], [408, 429, 500, 503])

    def test_parses_retry_after_in_seconds_or_as_an_http_date(self) -> None:
        self.assertEqual(parse_retry_after("120"), 120.0)
        self.assertAlmostEqual(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0), 10.0)
        self.assertIsNone(parse_retry_after("soon"))
        self.assertIsNone(parse_retry_after(None))

    def test_backs_off_with_full_jitter_up_to_the_ceiling_and_honours_retry_after(self) -> None:
        policy = RetryPolicy(base_delay=0.5, max_delay=30, random=lambda: 0.999)
        self.assertAlmostEqual(policy.delay(0), 0.4995)
        self.assertAlmostEqual(policy.delay(10), 29.97)
        self.assertGreaterEqual(policy.delay(0, retry_after=7), 7)
        self.assertFalse(policy.honours_retry_after(7200))


if __name__ == "__main__":
    unittest.main()
