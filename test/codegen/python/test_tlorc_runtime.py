"""Unit tests of python/tlorc_runtime.py (stdlib unittest; run by test/codegen/runtime.test.ts).

    python -m unittest discover -s test/codegen/python
"""

import io
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME_DIR = os.path.abspath(os.path.join(HERE, "..", "..", "..", "python"))
sys.path.insert(0, RUNTIME_DIR)

import tlorc_runtime as rt  # noqa: E402

SENTIMENT = "/work/shared/data/sentiment"
SENTIMENT = os.environ.get("TLORC_SENTIMENT_DIR", SENTIMENT)


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""})) as f:
        f.write(data)


class TextTables(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def test_quoting_none_splits_on_newline_only(self):
        # U+0085 (NEL) and U+2028 are line breaks for str.splitlines(), not for this format
        p = os.path.join(self.tmp, "a.tsv")
        write(p, 'first \u0085 still first  \t1\n"unbalanced quote\t0\nthird \u2028 line\t1\n')
        texts, labels = rt.read_text_table([p], "\t", False, "none", 0, 1)
        self.assertEqual(labels, ["1", "0", "1"])
        self.assertEqual(texts[0], "first \u0085 still first  ")
        self.assertEqual(texts[1], '"unbalanced quote')

    def test_csv_quoting(self):
        p = os.path.join(self.tmp, "a.csv")
        write(p, 'text,label\n"hello, world",pos\n"two\nlines ""quoted""",neg\n')
        texts, labels = rt.read_text_table([p], ",", True, "csv", "text", "label")
        self.assertEqual(texts, ["hello, world", 'two\nlines "quoted"'])
        self.assertEqual(labels, ["pos", "neg"])

    def test_crlf_and_blank_lines(self):
        p = os.path.join(self.tmp, "a.tsv")
        write(p, "x\t1\r\n\r\ny\t0\r\n")
        texts, labels = rt.read_text_table([p], "\t", False, "none", 0, 1)
        self.assertEqual((texts, labels), (["x", "y"], ["1", "0"]))

    def test_missing_column_fails_with_data_invalid(self):
        p = os.path.join(self.tmp, "a.tsv")
        write(p, "only one field\n")
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.read_text_table([p], "\t", False, "none", 0, 1)
        self.assertEqual(e.exception.code, "TLORC_DATA_INVALID")
        self.assertIn("a.tsv:1", e.exception.reason)

    def test_named_column_needs_header(self):
        p = os.path.join(self.tmp, "a.tsv")
        write(p, "x\t1\n")
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.read_text_table([p], "\t", False, "none", "text", 1)
        self.assertEqual(e.exception.code, "TLORC_DATA_INVALID")

    def test_missing_file(self):
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.read_text_table([os.path.join(self.tmp, "nope.tsv")], "\t", False, "none", 0, 1)
        self.assertEqual(e.exception.code, "TLORC_DATA_NOT_FOUND")

    @unittest.skipUnless(os.path.isdir(SENTIMENT), "sentiment data not present")
    def test_uci_sentiment_files_have_1000_rows_each(self):
        for name in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"):
            texts, labels = rt.read_text_table([os.path.join(SENTIMENT, name)], "\t", False, "none", 0, 1)
            self.assertEqual(len(texts), 1000, name)
            self.assertEqual(labels.count("1"), 500, name)

    def test_text_splits_use_train_classes_and_are_seeded(self):
        p = os.path.join(self.tmp, "a.tsv")
        write(p, "".join(f"text {i}\t{i % 3}\n" for i in range(90)))
        a = rt.text_table_splits([p], None, 0.2, 30, 7, delimiter="\t", header=False, quoting="none", text_column=0, label_column=1)
        b = rt.text_table_splits([p], None, 0.2, 30, 7, delimiter="\t", header=False, quoting="none", text_column=0, label_column=1)
        self.assertEqual(a, b)
        classes, train, val = a
        self.assertEqual(classes, ["0", "1", "2"])
        self.assertEqual(len(val), 18)
        self.assertEqual(len(train), 30)
        self.assertEqual(sorted(np.bincount([y for _, y in train]).tolist()), [10, 10, 10])
        self.assertFalse({t for t, _ in train} & {t for t, _ in val})

    def test_numeric_class_names_sort_as_numbers(self):
        self.assertEqual(rt.sorted_class_names(["10", "2", "1"]), ["1", "2", "10"])
        self.assertEqual(rt.sorted_class_names(["b", "a", "10"]), ["10", "a", "b"])

    def test_unknown_val_label(self):
        tr, va = os.path.join(self.tmp, "t.tsv"), os.path.join(self.tmp, "v.tsv")
        write(tr, "a\t0\nb\t1\n")
        write(va, "c\t2\n")
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.text_table_splits([tr], [va], None, None, 1, delimiter="\t", header=False, quoting="none", text_column=0, label_column=1)
        self.assertEqual(e.exception.code, "TLORC_DATA_INVALID")


class ImageFolders(unittest.TestCase):
    def setUp(self):
        from PIL import Image

        self.tmp = tempfile.mkdtemp()
        self.Image = Image
        for split, classes in (("train", ("bees", "ants")), ("val", ("bees",))):
            for c in classes:
                os.makedirs(os.path.join(self.tmp, split, c))
        Image.new("RGB", (40, 30), (255, 0, 0)).save(os.path.join(self.tmp, "train", "ants", "ant photo.jpg"))
        Image.new("P", (20, 20)).save(os.path.join(self.tmp, "train", "ants", "imageNotFound.gif"))
        Image.new("RGBA", (10, 10)).save(os.path.join(self.tmp, "train", "bees", "b.PNG"))
        Image.new("L", (10, 10)).save(os.path.join(self.tmp, "train", "bees", "c.jpeg"))
        write(os.path.join(self.tmp, "train", "bees", "notes.txt"), "not an image")
        Image.new("RGB", (10, 10)).save(os.path.join(self.tmp, "val", "bees", "v.jpg"))

    def test_one_class_mapping_from_train(self):
        classes, train, val = rt.image_folder_splits(os.path.join(self.tmp, "train"), os.path.join(self.tmp, "val"), None, None, 1)
        self.assertEqual(classes, ["ants", "bees"])
        self.assertEqual(len(train), 4)  # notes.txt is skipped
        self.assertEqual([y for _, y in val], [1])  # "bees" is 1 because train says so

    def test_load_image_any_mode_to_rgb(self):
        _, train, _ = rt.image_folder_splits(os.path.join(self.tmp, "train"), os.path.join(self.tmp, "val"), None, None, 1)
        for path, _ in train:
            x = rt.load_image(path, (16, 24))
            self.assertEqual(x.shape, (16, 24, 3), path)
            self.assertEqual(x.dtype, np.uint8)

    def test_val_class_not_in_train(self):
        os.makedirs(os.path.join(self.tmp, "val", "wasps"))
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.image_folder_splits(os.path.join(self.tmp, "train"), os.path.join(self.tmp, "val"), None, None, 1)
        self.assertEqual(e.exception.code, "TLORC_DATA_INVALID")

    def test_empty_class(self):
        os.makedirs(os.path.join(self.tmp, "train", "wasps"))
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.image_folder_splits(os.path.join(self.tmp, "train"), os.path.join(self.tmp, "val"), None, None, 1)
        self.assertEqual(e.exception.code, "TLORC_DATA_EMPTY_CLASS")

    def test_missing_folder(self):
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.image_folder_splits(os.path.join(self.tmp, "nope"), None, 0.2, None, 1)
        self.assertEqual(e.exception.code, "TLORC_DATA_NOT_FOUND")

    def test_broken_image(self):
        p = os.path.join(self.tmp, "train", "ants", "broken.jpg")
        write(p, b"not a jpeg", "wb")
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.load_image(p, (8, 8))
        self.assertEqual(e.exception.code, "TLORC_DATA_INVALID")

    def test_val_split_and_cap(self):
        labels = [0] * 50 + [1] * 30
        t, v = rt.stratified_split(labels, 0.2, 3)
        self.assertEqual((len(v), sorted(set(t) | set(v))), (16, list(range(80))))
        self.assertEqual(rt.stratified_split(labels, 0.2, 3), (t, v))
        self.assertNotEqual(rt.stratified_split(labels, 0.2, 4), (t, v))
        kept = rt.cap_per_class(labels, 10, 3)
        self.assertEqual(np.bincount([labels[i] for i in kept]).tolist(), [10, 10])


class Preprocessing(unittest.TestCase):
    def test_modes(self):
        px = np.array([[[0, 127.5, 255]]], dtype=np.float32)
        np.testing.assert_allclose(rt.preprocess(px, "tf"), [[[-1, 0, 1]]])
        np.testing.assert_allclose(rt.preprocess(px, "caffe"), [[[255 - 103.939, 127.5 - 116.779, 0 - 123.68]]], rtol=1e-6)
        np.testing.assert_allclose(rt.preprocess(px, "torch"), [[[(0 - 0.485) / 0.229, (0.5 - 0.456) / 0.224, (1 - 0.406) / 0.225]]], rtol=1e-5)
        with self.assertRaises(ValueError):
            rt.preprocess(px, "other")

    def test_label_encoding(self):
        self.assertEqual(rt.encode_labels([2, 0], 3, "index").tolist(), [2, 0])
        self.assertEqual(rt.encode_labels([2, 0], 3, "one_hot").tolist(), [[0, 0, 1], [1, 0, 0]])
        self.assertEqual(rt.encode_labels([1, 0], 2, "binary").tolist(), [[1.0], [0.0]])

    def test_predicted_classes(self):
        self.assertEqual(rt.predicted_classes([[0.1, 0.9], [0.8, 0.2]], False, False).tolist(), [1, 0])
        self.assertEqual(rt.predicted_classes([[0.6], [0.4]], True, False).tolist(), [1, 0])
        self.assertEqual(rt.predicted_classes([[0.3], [-0.1]], True, True).tolist(), [1, 0])


class Metrics(unittest.TestCase):
    def test_against_sklearn(self):
        from sklearn.metrics import accuracy_score, precision_recall_fscore_support

        rng = np.random.default_rng(0)
        for k in (2, 3, 5):
            y = rng.integers(0, k, 200)
            p = np.where(rng.random(200) < 0.6, y, rng.integers(0, k - 1, 200))  # class k-1 rarely predicted
            m = rt.classification_metrics(y, p, ("accuracy", "precision", "recall", "f1"))
            pr, rc, f1, _ = precision_recall_fscore_support(y, p, average="macro", zero_division=0)
            self.assertAlmostEqual(m["accuracy"], accuracy_score(y, p))
            self.assertAlmostEqual(m["precision"], pr)
            self.assertAlmostEqual(m["recall"], rc)
            self.assertAlmostEqual(m["f1"], f1)

    def test_running_mean_weights_by_batch_size(self):
        r = rt.RunningMean()
        r.add(3, loss=1.0)
        r.add(1, loss=5.0)
        self.assertEqual(r.result(), {"loss": 2.0})


class Freezing(unittest.TestCase):
    NAMES = ["input", "conv1", "conv1_bn", "conv_dw_1", "conv_dw_1_bn", "conv_pw_1", "encoder.layer.0.q", "encoder.layer.0.k", "encoder.layer.1.q"]

    def test_rules(self):
        n = self.NAMES
        self.assertEqual(rt.frozen_layers(n, "all", ["freeze"]), set(n))
        self.assertEqual(rt.frozen_layers(n, "none", ["freeze"]), set())
        self.assertEqual(rt.frozen_layers(n, {"first": 2}, ["freeze"]), {"input", "conv1"})
        self.assertEqual(rt.frozen_layers(n, {"until": "conv_dw_1"}, ["freeze"]), set(n[:4]))
        self.assertEqual(rt.frozen_layers(n, {"until": "encoder.layer.0"}, ["freeze"]), set(n[:8]))  # a block name
        self.assertEqual(rt.frozen_layers(n, {"pattern": "conv_dw_*"}, ["freeze"]), {"conv_dw_1", "conv_dw_1_bn"})
        self.assertEqual(rt.frozen_layers(n, {"pattern": "encoder.layer.[0-0].*"}, ["freeze"]), {"encoder.layer.0.q", "encoder.layer.0.k"})

    def test_unknown_until_is_a_spec_error_with_path(self):
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.frozen_layers(self.NAMES, {"until": "conv_dw1"}, ["phases", 1, "freeze"])
        self.assertEqual(e.exception.code, "TLORC_SPEC_INVALID")
        self.assertEqual(e.exception.path, ["phases", 1, "freeze", "until"])
        self.assertIn("conv_dw_1", e.exception.reason)  # did you mean

    def test_first_beyond_the_backbone_is_a_spec_error(self):
        with self.assertRaises(rt.TlorcFailure) as e:
            rt.frozen_layers(self.NAMES, {"first": 1000}, ["freeze"])
        self.assertEqual(e.exception.code, "TLORC_SPEC_INVALID")
        self.assertEqual(e.exception.path, ["freeze", "first"])
        self.assertIn(f"{len(self.NAMES)} layers", e.exception.reason)

    def test_a_pattern_that_matches_nothing_warns_once_per_rule(self):
        out, stream = io.StringIO(), rt.events.stream
        rt.events.stream = out
        try:
            for _ in range(2):  # checked up front, then again when the phase starts
                self.assertEqual(rt.frozen_layers(self.NAMES, {"pattern": "zzz*"}, ["phases", 0, "freeze"]), set())
        finally:
            rt.events.stream = stream
        warnings = [json.loads(l) for l in out.getvalue().splitlines() if '"warning"' in l]
        self.assertEqual(len(warnings), 1)
        self.assertEqual(warnings[0]["code"], "TLORC_FREEZE_NO_MATCH")

    def test_fingerprint(self):
        a = [np.zeros((2, 2)), np.ones(3)]
        self.assertEqual(rt.fingerprint(a), rt.fingerprint([x.copy() for x in a]))
        b = [np.zeros((2, 2)), np.array([1, 1, 1.0000001])]
        self.assertNotEqual(rt.fingerprint(a), rt.fingerprint(b))


class Schedules(unittest.TestCase):
    def test_step(self):
        s = rt.LearningRateSchedule(1.0, {"type": "step", "step_size": 2, "gamma": 0.5}, 6)
        self.assertEqual([s.lr_for(e) for e in range(1, 7)], [1, 1, 0.5, 0.5, 0.25, 0.25])

    def test_cosine(self):
        s = rt.LearningRateSchedule(1.0, {"type": "cosine", "min_learning_rate": 0.0}, 4)
        lrs = [s.lr_for(e) for e in range(1, 5)]
        self.assertAlmostEqual(lrs[0], 1.0)
        self.assertAlmostEqual(lrs[2], 0.5)
        self.assertTrue(all(a > b for a, b in zip(lrs, lrs[1:])))

    def test_plateau(self):
        s = rt.LearningRateSchedule(1.0, {"type": "reduce_on_plateau", "monitor": "val_loss", "factor": 0.1, "patience": 1, "min_learning_rate": 0.05}, 10)
        seen = []
        for loss in (1.0, 0.9, 0.95, 0.95, 0.95, 0.95):
            seen.append(s.lr_for(len(seen) + 1))
            s.observe({"loss": loss})
        self.assertEqual(seen[:4], [1.0, 1.0, 1.0, 0.1])  # reduced after one epoch without improvement
        self.assertAlmostEqual(s.lr_for(7), 0.05)  # 1.0 -> 0.1 -> min 0.05

    def test_early_stopping(self):
        es = rt.EarlyStopping("val_accuracy", 2, 0.0, True)
        results = [(es.update({"accuracy": a}), es.stop) for a in (0.5, 0.6, 0.6, 0.55)]
        self.assertEqual(results, [(True, False), (True, False), (False, False), (False, True)])


class EventsAndFailures(unittest.TestCase):
    def test_json_lines_without_nan(self):
        buf = io.StringIO()
        ev = rt.Events(buf)
        ev.emit("epoch", phase=0, epoch=1, epochs=1, train={"loss": float("nan")}, val={"accuracy": np.float32(0.5)}, duration_s=1)
        e = json.loads(buf.getvalue())
        self.assertEqual((e["v"], e["type"], e["train"]["loss"], e["val"]["accuracy"]), (1, "epoch", None, 0.5))
        self.assertTrue(e["ts"].endswith("Z"))
        self.assertNotIn("runId", e)
        self.assertNotIn("seq", e)

    def _run(self, body, env=None):
        code = "import sys; sys.path.insert(0, %r)\nimport tlorc_runtime as rt\n" % RUNTIME_DIR + textwrap.dedent(body)
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "TLORC_RUN_ID": "t", **(env or {})}, timeout=60)

    def test_failure_becomes_failed_event_and_exit_1(self):
        r = self._run("""
            def run():
                raise rt.TlorcFailure("TLORC_DATA_INVALID", "bad data", ["data"])
            rt.main(run)
        """)
        self.assertEqual(r.returncode, 1)
        e = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual((e["type"], e["code"], e["reason"], e["path"]), ("failed", "TLORC_DATA_INVALID", "bad data", ["data"]))

    def test_unexpected_error_is_run_failed_with_traceback_on_stderr(self):
        r = self._run("""
            def run():
                {}["missing"]
            rt.main(run)
        """)
        self.assertEqual(r.returncode, 1)
        e = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertEqual(e["code"], "TLORC_RUN_FAILED")
        self.assertIn("KeyError", e["reason"])
        self.assertIn("Traceback", r.stderr)

    def test_sigterm_exits_130_without_failed_event(self):
        r = self._run("""
            import os, signal
            def run():
                os.kill(os.getpid(), signal.SIGTERM)
                import time; time.sleep(5)
            rt.main(run)
        """)
        self.assertEqual(r.returncode, 130)
        self.assertNotIn('"failed"', r.stdout)

    def test_weight_errors(self):
        tmp = tempfile.mkdtemp()
        with self.assertRaises(rt.TlorcFailure) as e:
            with rt.loading_weights("file", "X", source=os.path.join(tmp, "missing.h5")):
                pass
        self.assertEqual(e.exception.code, "TLORC_WEIGHTS_NOT_FOUND")
        present = os.path.join(tmp, "w.h5")
        write(present, "x")
        with self.assertRaises(rt.TlorcFailure) as e:
            with rt.loading_weights("file", "X", source=present):
                raise ValueError("Layer count mismatch")
        self.assertEqual(e.exception.code, "TLORC_WEIGHTS_MISMATCH")
        with self.assertRaises(rt.TlorcFailure) as e:
            with rt.loading_weights("pretrained", "X", cache_file=os.path.join(tmp, "not-cached.h5")):
                raise Exception("URL fetch failure")
        self.assertEqual(e.exception.code, "TLORC_WEIGHTS_UNAVAILABLE")
        with self.assertRaises(rt.TlorcFailure) as e:
            with rt.loading_weights("pretrained", "X"):
                raise OSError("We couldn't connect to 'https://huggingface.co'")
        self.assertEqual(e.exception.code, "TLORC_WEIGHTS_UNAVAILABLE")
        with self.assertRaises(ZeroDivisionError):  # weights: none lets errors through
            with rt.loading_weights("none", "X"):
                raise ZeroDivisionError()


class Saving(unittest.TestCase):
    def test_atomic_dir(self):
        tmp = tempfile.mkdtemp()
        target = os.path.join(tmp, "model")
        with self.assertRaises(RuntimeError):
            with rt.atomic_dir(target) as d:
                write(os.path.join(d, "half"), "x")
                raise RuntimeError("crash while saving")
        self.assertEqual(os.listdir(tmp), [])  # nothing that looks like a model
        for content in ("one", "two"):
            with rt.atomic_dir(target) as d:
                write(os.path.join(d, "weights"), content)
        self.assertEqual(os.listdir(tmp), ["model"])
        with open(os.path.join(target, "weights")) as f:
            self.assertEqual(f.read(), "two")

    def test_run_dir(self):
        tmp = tempfile.mkdtemp()
        old = os.environ.get("TLORC_RUN_DIR")
        try:
            os.environ["TLORC_RUN_DIR"] = os.path.join(tmp, "run")
            self.assertEqual(rt.run_dir("/somewhere/train.py"), os.path.join(tmp, "run"))
            del os.environ["TLORC_RUN_DIR"]
            self.assertEqual(rt.run_dir(os.path.join(tmp, "train.py")), tmp)
        finally:
            if old is not None:
                os.environ["TLORC_RUN_DIR"] = old


if __name__ == "__main__":
    unittest.main()
