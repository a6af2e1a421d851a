package macros_test

import (
	"fmt"

	"github.com/leadrelay/leadrelay/macros"
	"github.com/leadrelay/leadrelay/storage/lead"
)

func Example() {
	d := &macros.Data{
		Lead: &lead.Lead{ID: 84921, Name: "Іван Петренко", Phone: "0501234567", Country: "ua",
			ClickID: "abc 123", Status: lead.Packaging, CWM: 12.5},
		Secrets: map[string]string{"token": "tk_42"},
		Labels:  map[string]string{"approve": "accepted"},
	}
	url := macros.MustParse("https://tracker.example/pb?clickid={click_id}&status={status}&amount={amount}")
	header := macros.MustParse("Authorization: Bearer {secret:token}")
	body := macros.MustParse(`{"id":{id},"first":"{iname}","last":"{ilast}","phone":"{iphone}","lang":"{lang}","x":{unknown}}`)

	fmt.Println(url.Expand(d, macros.InURL))
	fmt.Println(header.Expand(d, macros.InHeader))
	fmt.Println(body.Expand(d, macros.InField))
	// Output:
	// https://tracker.example/pb?clickid=abc%20123&status=accepted&amount=12.50
	// Authorization: Bearer tk_42
	// {"id":84921,"first":"Іван","last":"Петренко","phone":"+380501234567","lang":"uk","x":{unknown}}
}

func ExampleTokens() {
	tokens := macros.NewTokens([]byte("LEADRELAY_SECRET value"))
	token := tokens.Encode(84921)
	id, err := tokens.Decode(token)
	fmt.Println(len(token), id, err)
	_, err = tokens.Decode("forged-token-aaaaaaaaa")
	fmt.Println(err)
	// Output:
	// 22 84921 <nil>
	// bad lead token
}
