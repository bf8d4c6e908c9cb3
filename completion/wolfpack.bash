# bash completion for wolfpack(8), the command-line tool of the Wolfpack
# cluster. Object names come from the cluster itself (`wolfpack NOUN list
# --quiet`), over the socket named on the line, if any.
# SPDX-License-Identifier: LGPL-2.1-or-later

_wolfpack_query() {
    # $1: noun; prints its names. Quiet when wolfpackd cannot be reached,
    # and quick when it does not answer: a Tab press must not hang.
    local -a sock=()
    [[ -n $_wolfpack_socket ]] && sock=(--socket "$_wolfpack_socket")
    "${_wolfpack_cmd:-wolfpack}" "${sock[@]}" --timeout 2s "$1" list --quiet 2>/dev/null
}

_wolfpack_props() {
    # $1: noun, $2: object; prints "K=" for each of its properties.
    local -a sock=()
    [[ -n $_wolfpack_socket ]] && sock=(--socket "$_wolfpack_socket")
    "${_wolfpack_cmd:-wolfpack}" "${sock[@]}" --timeout 2s "$1" get "$2" 2>/dev/null | sed -n 's/^\([A-Za-z0-9]*\)=.*/\1=/p'
}

_wolfpack() {
    local cur prev words cword
    _init_completion -n = || return

    local globals="--socket --server --token-file --ca --json --no-wait --timeout --help --version"
    local nouns="status cluster cert token node group resource type events log why help"
    local -A verbs=(
        [node]="list show pause resume drain evict"
        [group]="create list show online offline move set get delete"
        [resource]="create list show online offline fail set get depend undepend delete"
        [type]="list show"
        [cluster]="init set get"
        [cert]="create show"
        [token]="create list revoke"
    )
    local -A options=(
        [node list]="--quiet"
        [group create]="--preferred" [group list]="--quiet" [group move]="--to"
        [resource create]="--type --group" [resource list]="--group --quiet"
        [resource depend]="--on" [resource undepend]="--on"
        [type list]="--quiet"
        [events]="--follow" [log]="--since --node --limit --follow"
        [cluster init]="--node --this --authkey --output --token --witness --qdevice --certs --tls --force"
        [cert create]="--dir --name --host --days --force" [cert show]="--dir"
        [token create]="--role" [token list]="--quiet"
    )

    _wolfpack_cmd=${words[0]}
    _wolfpack_socket=

    # The words that are not options: noun, verb, arguments.
    local -a args=()
    local i w skip=
    for ((i = 1; i < cword; i++)); do
        w=${words[i]}
        if [[ -n $skip ]]; then
            [[ $skip == socket ]] && _wolfpack_socket=$w
            skip=
            continue
        fi
        case $w in
            --socket) skip=socket ;;
            --socket=*) _wolfpack_socket=${w#--socket=} ;;
            --timeout|--to|--type|--group|--preferred|--on|--since) skip=value ;;
            --node|--this|--authkey|--output|--token|--witness|--qdevice|--certs|--limit) skip=value ;;
            --tls|--dir|--name|--host|--days|--role|--server|--token-file|--ca) skip=value ;;
            -*) ;;
            *) args+=("$w") ;;
        esac
    done

    # Values of options.
    case $prev in
        --socket|--authkey|--token-file|--ca)
            _filedir
            return ;;
        --role)
            COMPREPLY=($(compgen -W "read operator admin" -- "$cur"))
            return ;;
        --server)
            COMPREPLY=($(compgen -W "https://" -- "$cur"))
            return ;;
        --output|--certs|--tls|--dir)
            _filedir -d
            return ;;
        --token)
            COMPREPLY=($(compgen -W "1s 3s 5s 10s" -- "$cur"))
            return ;;
        --node)
            [[ ${args[0]} == log ]] && COMPREPLY=($(compgen -W "$(_wolfpack_query node)" -- "$cur"))
            return ;;
        --this|--witness|--qdevice|--limit)
            return ;;
        --timeout|--since)
            COMPREPLY=($(compgen -W "30s 1min 5min 10min 1h 1d" -- "$cur"))
            return ;;
        --to|--preferred)
            COMPREPLY=($(compgen -W "$(_wolfpack_query node)" -- "$cur"))
            return ;;
        --group)
            COMPREPLY=($(compgen -W "$(_wolfpack_query group)" -- "$cur"))
            return ;;
        --type)
            COMPREPLY=($(compgen -W "$(_wolfpack_query type)" -- "$cur"))
            return ;;
        --on)
            COMPREPLY=($(compgen -W "$(_wolfpack_query resource)" -- "$cur"))
            return ;;
    esac

    local noun=${args[0]:-_} verb=${args[1]}
    local key="$noun${verb:+ $verb}"
    [[ -z ${verbs[$noun]} ]] && key=$noun

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$globals ${options[$key]}" -- "$cur"))
        return
    fi

    case ${#args[@]} in
        0)
            COMPREPLY=($(compgen -W "$nouns" -- "$cur"))
            return ;;
        1)
            if [[ $noun == help ]]; then
                COMPREPLY=($(compgen -W "$nouns" -- "$cur"))
            elif [[ $noun == why ]]; then
                COMPREPLY=($(compgen -W "$(_wolfpack_query group) $(_wolfpack_query resource)" -- "$cur"))
            elif [[ -n ${verbs[$noun]} ]]; then
                COMPREPLY=($(compgen -W "${verbs[$noun]}" -- "$cur"))
            fi
            return ;;
    esac

    [[ -z ${verbs[$noun]} || $noun == cert ]] && return
    case $verb in
        show|pause|resume|drain|evict|online|offline|move|delete|fail|depend|undepend|get|set)
            if ((${#args[@]} == 2)); then
                COMPREPLY=($(compgen -W "$(_wolfpack_query "$noun")" -- "$cur"))
            elif [[ $verb == set ]]; then
                compopt -o nospace 2>/dev/null
                COMPREPLY=($(compgen -W "$(_wolfpack_props "$noun" "${args[2]}")" -- "$cur"))
            elif [[ $verb == get ]] && ((${#args[@]} == 3)); then
                local props=$(_wolfpack_props "$noun" "${args[2]}")
                COMPREPLY=($(compgen -W "${props//=/}" -- "$cur"))
            fi ;;
    esac
}

complete -F _wolfpack wolfpack
