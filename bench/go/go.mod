module contend/bench/go

go 1.19
