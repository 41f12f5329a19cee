//! Named model presets from published configurations, and a did-you-mean
//! helper for misspelt ids.

use super::{Architecture, TransformerSpec};

/// Every preset id, in catalogue order.
const IDS: [&str; 12] = [
    "gpt2",
    "bert-large",
    "gpt3-125m",
    "gpt3-350m",
    "gpt3-1.3b",
    "gpt3-2.7b",
    "gpt3-6.7b",
    "gpt3-13b",
    "gpt3-175b",
    "llama3-8b",
    "llama3-70b",
    "llama3-405b",
];

/// GPT-2 BPE vocabulary (Radford et al. 2019).
const GPT2_VOCAB: u32 = 50257;
/// The GPT-2 vocabulary padded by Megatron-LM to a multiple of 128 × TP
/// (51200 at TP = 8), as in the Megatron runs our measured figures come
/// from (Narayanan et al. 2021; Korthikanti et al. 2022 use V = 51200).
const MEGATRON_GPT_VOCAB: u32 = 51200;
/// GPT-3 context length (Brown et al. 2020, Section 2.1: n_ctx = 2048).
const GPT3_CONTEXT: u32 = 2048;
/// Llama 3 tokenizer size: Dubey et al. 2024 (arXiv 2407.21783) Table 3
/// says "128,000"; the released checkpoints' `vocab_size` is 128256
/// (128000 BPE tokens + 256 special tokens).
const LLAMA3_VOCAB: u32 = 128_256;

/// Every preset id, in catalogue order.
pub fn preset_ids() -> &'static [&'static str] {
    &IDS
}

/// A GPT-3-family model (Brown et al. 2020, arXiv 2005.14165, Table 2.1):
/// tied embeddings, learned positions, ffn = 4·h, Megatron-padded vocab.
fn gpt3(name: &str, layers: u32, hidden: u32, heads: u32) -> TransformerSpec {
    TransformerSpec {
        name: name.to_string(),
        arch: Architecture::Gpt,
        layers,
        hidden,
        heads,
        kv_heads: heads,
        ffn_hidden: 4 * hidden,
        vocab: MEGATRON_GPT_VOCAB,
        max_positions: GPT3_CONTEXT,
        tied_embeddings: true,
        gated_mlp: false,
    }
}

/// A Llama 3 model (Dubey et al. 2024, arXiv 2407.21783, Table 3): 8 KV
/// heads (GQA), SwiGLU, RoPE, untied output head.
fn llama3(name: &str, layers: u32, hidden: u32, ffn_hidden: u32, heads: u32) -> TransformerSpec {
    TransformerSpec {
        name: name.to_string(),
        arch: Architecture::Llama,
        layers,
        hidden,
        heads,
        kv_heads: 8,
        ffn_hidden,
        vocab: LLAMA3_VOCAB,
        max_positions: 0,
        tied_embeddings: false,
        gated_mlp: true,
    }
}

/// The preset named `id`, or `None` when there is none.
///
/// Sources and decisions:
/// - `gpt2`: GPT-2 small (Radford et al. 2019; Hugging Face `gpt2` config):
///   12 layers, h 768, 12 heads, vocab 50257 (unpadded), 1024 positions,
///   tied; 124,439,808 parameters.
/// - `bert-large`: Devlin et al. 2019 (arXiv 1810.04805): 24 layers,
///   h 1024, 16 heads, ffn 4096, WordPiece vocab 30522, 512 positions, 2
///   token types; the pooler is counted (335,141,888 parameters, as
///   Hugging Face `BertModel`).
/// - `gpt3-*`: Brown et al. 2020 Table 2.1, vocab padded to 51200 as
///   Megatron does (the measured figures we calibrate against use it),
///   context 2048. Two departures from the table: `gpt3-1.3b` uses 16 heads
///   (the table lists 24 heads with d_head 128, which cannot multiply to
///   d_model 2048; 16 × 128 = 2048 keeps the stated head width), and
///   `gpt3-13b` uses h 5120 (the table's 5140 is not a multiple of its 40
///   heads; Megatron and later work use 5120).
/// - `llama3-*`: Dubey et al. 2024 Table 3 (8B: 32 layers, h 4096, ffn
///   14336, 32 heads; 70B: 80, 8192, 28672, 64; 405B: 126, 16384, 53248,
///   128; 8 KV heads each), vocab 128256.
pub fn preset(id: &str) -> Option<TransformerSpec> {
    let spec = match id {
        "gpt2" => TransformerSpec {
            name: id.to_string(),
            arch: Architecture::Gpt,
            layers: 12,
            hidden: 768,
            heads: 12,
            kv_heads: 12,
            ffn_hidden: 3072,
            vocab: GPT2_VOCAB,
            max_positions: 1024,
            tied_embeddings: true,
            gated_mlp: false,
        },
        "bert-large" => TransformerSpec {
            name: id.to_string(),
            arch: Architecture::Bert,
            layers: 24,
            hidden: 1024,
            heads: 16,
            kv_heads: 16,
            ffn_hidden: 4096,
            vocab: 30522,
            max_positions: 512,
            tied_embeddings: true,
            gated_mlp: false,
        },
        "gpt3-125m" => gpt3(id, 12, 768, 12),
        "gpt3-350m" => gpt3(id, 24, 1024, 16),
        "gpt3-1.3b" => gpt3(id, 24, 2048, 16),
        "gpt3-2.7b" => gpt3(id, 32, 2560, 32),
        "gpt3-6.7b" => gpt3(id, 32, 4096, 32),
        "gpt3-13b" => gpt3(id, 40, 5120, 40),
        "gpt3-175b" => gpt3(id, 96, 12288, 96),
        "llama3-8b" => llama3(id, 32, 4096, 14336, 32),
        "llama3-70b" => llama3(id, 80, 8192, 28672, 64),
        "llama3-405b" => llama3(id, 126, 16384, 53248, 128),
        _ => return None,
    };
    Some(spec)
}

/// The preset id closest to a misspelt `id` (Levenshtein distance, compared
/// case-insensitively), when it is close: at most a third of `id`'s length
/// and at most 3 edits. An exact id gives itself; ties go to the earlier id
/// in [`preset_ids`].
pub fn suggest_preset(id: &str) -> Option<&'static str> {
    crate::suggest::closest(id, IDS.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_resolves_with_its_name() {
        assert_eq!(preset_ids().len(), 12);
        for id in preset_ids() {
            let spec = preset(id).expect("listed id resolves");
            assert_eq!(spec.name, *id);
            assert!(spec.hidden.is_multiple_of(spec.heads), "{id}");
        }
        assert_eq!(preset("gpt4"), None);
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest_preset("gpt3-175"), Some("gpt3-175b"));
        assert_eq!(suggest_preset("lama3-70b"), Some("llama3-70b"));
        assert_eq!(suggest_preset("GPT2"), Some("gpt2"));
        assert_eq!(suggest_preset("gpt3-175b"), Some("gpt3-175b"));
        assert_eq!(suggest_preset("resnet50"), None);
        assert_eq!(suggest_preset("x"), None);
    }
}
