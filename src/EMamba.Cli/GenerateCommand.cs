using System.CommandLine;
using System.Text;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training;
using EMamba.Training.Modules.Baselines;
using EMamba.Training.Checkpoints;
using EMamba.Training.Eval;

namespace EMamba.Cli;

/// <summary>`generate`: text from a language-model checkpoint, streamed token by token.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Language-model checkpoint (.safetensors).", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue (words the vocabulary lacks read as <unk>).", DefaultValueFactory = _ => "The" };
        var tokens = new Option<int>("--tokens") { Description = "Number of tokens to generate.", DefaultValueFactory = _ => 100 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 = greedy.", DefaultValueFactory = _ => 0.8 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens (0 = all).", DefaultValueFactory = _ => 40 };
        var seed = new Option<int>("--seed") { Description = "Random seed (the same seed repeats the text).", DefaultValueFactory = _ => 1 };
        var approx = new Option<string?>("--approx") { Description = "approx.json: generate with its PWL SiLU/exp swapped in." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for tensor math (default: all cores)." };
        var cmd = new Command("generate", "Sample text from a language model in streaming mode (one recurrent step per token).");
        foreach (var o in new Option[] { model, prompt, tokens, temperature, topK, seed, approx, threads }) cmd.Options.Add(o);
        cmd.SetAction(r => App.Guard(ct =>
        {
            TorchThreads.Set(r.GetValue(threads));
            int n = r.GetValue(tokens);
            double temp = r.GetValue(temperature);
            LmGenerator.CheckOptions(n, temp, r.GetValue(topK));
            string path = r.GetValue(model)!;
            var ck = Checkpoint.Load(path);
            if (ck.Config.Model.Head != Head.Lm) throw new EMambaException($"{path}: a '{ck.Config.Model.Head.Name()}' model does not generate text (needs a language model)", ExitCodes.BadInput);
            var vocab = ck.Vocabulary;
            string? approxPath = r.GetValue(approx);
            var net = ModelLoader.Load(ck, approxPath is null ? null : ApproxFile.Load(approxPath));
            var words = r.GetValue(prompt)!.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0) throw new EMambaException("--prompt must hold at least one word", ExitCodes.Usage);
            var ids = words.Select(w => vocab[w]).ToArray();
            Console.Write(string.Join(' ', ids.Select(vocab.Word)));
            int context = net is TransformerLM t ? t.MaxContext : int.MaxValue;
            foreach (int id in LmGenerator.Generate(net, ids, n, temp, r.GetValue(topK), r.GetValue(seed), context))
            {
                ct.ThrowIfCancellationRequested();
                string w = vocab.Word(id);
                Console.Write(w == EMamba.Data.Vocabulary.Eos ? "\n" : " " + w);
            }
            Console.WriteLine();
            return ExitCodes.Ok;
        }));
        return cmd;
    }
}
