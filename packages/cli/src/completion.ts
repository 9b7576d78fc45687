import type { Command } from 'commander';
import { UsageError } from './errors.js';

/** A completion script for bash or zsh, generated from the command tree (so it never drifts). */
export function completionScript(program: Command, shell: string): string {
  if (shell !== 'bash' && shell !== 'zsh')
    throw new UsageError(`completion supports bash and zsh, got '${shell}'`);
  const commands = program.commands.map((c) => c.name());
  const cases = program.commands
    .map(
      (c) =>
        `    ${c.name()}) opts="${c.options
          .map((o) => o.long)
          .filter(Boolean)
          .join(' ')} --help";;`,
    )
    .join('\n');
  const bash = `# hpo completion (bash); load with: source <(hpo completion bash)
_hpo() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} opts
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands.join(' ')} --help --version" -- "$cur") ); return
  fi
  case "$cmd" in
${cases}
    *) opts="";;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); else COMPREPLY=( $(compgen -f -- "$cur") ); fi
}
complete -F _hpo hpo
`;
  return shell === 'bash' ? bash : `#compdef hpo\nautoload -U +X bashcompinit && bashcompinit\n${bash}`;
}
